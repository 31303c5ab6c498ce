"""The card fonts: Noto for most of the world's scripts, chosen per character, laid out in bidi order.

The fonts come from the `manimgx-fonts` and `manimgx-fonts-cjk` packages (Noto, OFL): Noto Sans
(Latin, Greek, Cyrillic), Noto Sans for Arabic, Hebrew, Thai, Devanagari, Bengali, Tamil and
the other scripts Latin faces lack, Noto Sans CJK (Chinese, Japanese, Korean), Noto Emoji
(monochrome) and Noto Sans Symbols. Each character is drawn with the first font that has it.

A line is put in visual order with the Unicode bidi algorithm (python-bidi). With Pillow's RAQM
layout (libraqm and libfribidi present) each run is shaped properly, right to left where it must
be; with the basic layout, right-to-left runs are given their Arabic joining forms and reversed,
so they still read correctly (Indic scripts then lack their conjuncts).
"""

from __future__ import annotations

import importlib.util
import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont, features

from bot.render.cards import cmap

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]
Layout = ImageFont.Layout

#: The fallback chain: (package, file, index in a collection), the first that has a glyph wins.
CHAIN: tuple[tuple[str, str, int], ...] = (
    ("manimgx_fonts", "NotoSans[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansArabic[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansHebrew[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansDevanagari[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansBengali[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansTamil[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansTelugu[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansKannada[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansMalayalam[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansGujarati[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansGurmukhi[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansOriya[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansSinhala[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansThai[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansLao[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansKhmer[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansMyanmar[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansArmenian[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansGeorgian[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansEthiopic[wght].ttf", 0),
    ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", 2),  # the Simplified Chinese forms
    ("manimgx_fonts", "NotoEmoji[wght].ttf", 0),
    ("manimgx_fonts", "NotoSansSymbols[wght].ttf", 0),
)
#: A character no font has is drawn as this (Noto Sans has it), once per run.
REPLACEMENT = "\ufffd"
_WEIGHT = {False: 400, True: 700}
_RTL = {"R", "AL"}
_STRONG = {"L", "R", "AL", "EN", "AN"}

#: Tests force one layout engine; None means RAQM when Pillow has it, else BASIC.
_FORCED: ContextVar[Layout | None] = ContextVar("card_layout", default=None)


@dataclass(frozen=True, slots=True)
class Face:
    """A text style: a pixel size and a weight; the fonts for it are resolved per character."""

    size: int
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of a line in one font, its text in logical order; rtl when drawn right to left."""

    text: str
    font: int
    rtl: bool


def engine() -> Layout:
    """Return the layout engine in use: RAQM when available, unless a test forces one."""
    forced = _FORCED.get()
    if forced is not None:
        return forced
    return _best()


@cache
def _best() -> Layout:
    """Return RAQM when Pillow has it (libraqm with libfribidi), else BASIC."""
    if features.check("raqm"):
        return Layout.RAQM
    log.info("Pillow has no RAQM layout (libraqm/libfribidi); right-to-left text is reordered only")
    return Layout.BASIC


@contextmanager
def forced(layout: Layout) -> Iterator[None]:
    """Draw with one layout engine inside the block (for deterministic tests)."""
    token = _FORCED.set(layout)
    try:
        yield
    finally:
        _FORCED.reset(token)


@cache
def path(index: int) -> Path | None:
    """Return a chain font's file, or None when its package is missing."""
    package, name, _ = CHAIN[index]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    file = Path(next(iter(spec.submodule_search_locations))) / name
    return file if file.is_file() else None


@cache
def coverage(index: int) -> frozenset[int]:
    """Return the code points a chain font has glyphs for (read once, when first needed)."""
    file = path(index)
    if file is None:
        log.warning("card font %s is missing; its script falls back", CHAIN[index][1])
        return frozenset(range(0x20, 0x7F)) if index == 0 else frozenset()  # Pillow's font
    try:
        return cmap.code_points(file, CHAIN[index][2])
    except (OSError, ValueError):  # an unreadable font file must not stop a card
        log.exception("could not read the character map of %s", file)
        return frozenset()


def font_of(code: int) -> int | None:
    """Return the first chain font that has a character, or None."""
    for index in range(len(CHAIN)):
        if code in coverage(index):
            return index
    return None


@cache
def _fallback() -> bool:
    """Say whether no card font is installed, so Pillow's own font is used."""
    if path(0) is None:
        log.warning("Noto Sans not found (is manimgx-fonts installed?); using Pillow's own font")
        return True
    return False


@lru_cache(maxsize=512)
def freetype(index: int, size: int, bold: bool, layout: Layout) -> ImageFont.FreeTypeFont:
    """Return one chain font at a size and weight (cached; variable fonts set to the weight)."""
    file = path(index)
    if file is None or _fallback():
        return ImageFont.load_default(size)  # type: ignore[return-value]
    face = ImageFont.truetype(str(file), size, index=CHAIN[index][2], layout_engine=layout)
    with suppress(OSError):  # not a variable font: its one weight it is
        face.set_variation_by_axes([_WEIGHT[bold]])
    return face


@lru_cache(maxsize=4096)
def runs(line: str) -> tuple[Run, ...]:
    """Split a cleaned line into font runs in visual (left to right) order."""
    if not line:
        return ()
    visual = line
    if any(unicodedata.bidirectional(ch) in ("R", "AL", "AN") for ch in line):
        from bidi import get_display

        visual = get_display(line)
    out: list[Run] = []
    for segment, rtl in _directions(visual):
        logical = segment[::-1] if rtl else segment
        pieces = _by_font(logical)
        out.extend(Run(text, font, rtl) for text, font in (reversed(pieces) if rtl else pieces))
    return tuple(out)


def _directions(visual: str) -> list[tuple[str, bool]]:
    """Cut a visual line into right-to-left and left-to-right segments."""
    kinds = [unicodedata.bidirectional(ch) for ch in visual]
    rtl: list[bool] = []
    for position, kind in enumerate(kinds):
        if kind in _STRONG:
            rtl.append(kind in _RTL)
            continue
        before = next((k for k in reversed(kinds[:position]) if k in _STRONG), "L")
        after = next((k for k in kinds[position + 1 :] if k in _STRONG), "L")
        rtl.append(before in _RTL and after in _RTL)
    segments: list[tuple[str, bool]] = []
    for ch, flag in zip(visual, rtl, strict=True):
        if segments and segments[-1][1] == flag:
            segments[-1] = (segments[-1][0] + ch, flag)
        else:
            segments.append((ch, flag))
    return segments


def _by_font(logical: str) -> list[tuple[str, int]]:
    """Split text in logical order into pieces each drawn with one font."""
    pieces: list[tuple[str, int]] = []
    for ch in logical:
        code = ord(ch)
        current = pieces[-1][1] if pieces else None
        common = not unicodedata.category(ch).startswith("L") and not _is_emoji(code)
        if ch == " " and code in coverage(0):
            index: int | None = 0  # an emoji or CJK font's space is far wider than the text's
        elif current is not None and common and code in coverage(current):
            index = current
        else:
            index = font_of(code)
        if index is None:
            index, ch = 0, REPLACEMENT
        if pieces and pieces[-1][1] == index:
            pieces[-1] = (pieces[-1][0] + ch, index)
        else:
            pieces.append((ch, index))
    return pieces


def _is_emoji(code: int) -> bool:
    """Say whether a character is a pictograph best drawn with the emoji font."""
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF


def shown(run: Run, layout: Layout | None = None) -> str:
    """Return a run's text as the layout engine is given it."""
    layout = layout or engine()
    if not run.rtl or layout is Layout.RAQM:
        return run.text
    import arabic_reshaper

    joined = arabic_reshaper.reshape(run.text)
    clusters: list[str] = []
    for ch in joined:  # reverse whole characters, each with its marks after it
        if clusters and unicodedata.category(ch).startswith("M"):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return "".join(reversed(clusters))


def _direction(run: Run, layout: Layout) -> str | None:
    """Return the direction to give RAQM for a run (None for the basic layout)."""
    if layout is not Layout.RAQM:
        return None
    return "rtl" if run.rtl else "ltr"


def length(line: str, face: Face) -> float:
    """Return the width of a cleaned line in pixels."""
    layout = engine()
    return sum(_advance(run, face, layout) for run in runs(line))


@lru_cache(maxsize=8192)
def _advance(run: Run, face: Face, layout: Layout) -> float:
    """Return the width of one run (cached: the same names and labels come on every card)."""
    font = freetype(run.font, face.size, face.bold, layout)
    return font.getlength(shown(run, layout), direction=_direction(run, layout))


def draw_line(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    line: str,
    face: Face,
    fill: RGB,
    anchor: str = "la",
) -> None:
    """Draw a cleaned line, run by run on one baseline; anchor as Pillow's (l/m/r, a/m/s/d)."""
    layout = engine()
    x, y = xy
    width = length(line, face)
    x -= {"l": 0.0, "m": width / 2, "r": width}[anchor[0]]
    ascent, descent = freetype(0, face.size, face.bold, layout).getmetrics()
    y += {"a": ascent, "m": (ascent - descent) / 2, "s": 0, "d": -descent}[anchor[1]]
    for run in runs(line):
        font = freetype(run.font, face.size, face.bold, layout)
        piece, direction = shown(run, layout), _direction(run, layout)
        draw.text((x, y), piece, font=font, fill=fill, anchor="ls", direction=direction)
        x += _advance(run, face, layout)


def warm() -> None:
    """Read every font's character map and load the common sizes (about a quarter second)."""
    for index in range(len(CHAIN)):
        coverage(index)
    layout = engine()
    for size in (18, 19, 20, 21, 22, 23, 24, 26, 38, 40, 44):
        for bold in (False, True):
            freetype(0, size, bold, layout)
