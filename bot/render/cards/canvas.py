"""What every card shares: the palette, the fonts and safe text, icons, PNG output.

The fonts are Noto, chosen per character (see `fonts`): most of the world's scripts are drawn,
right-to-left ones in order. A character no font has is drawn as one U+FFFD per run (a combining
mark or a variation selector no font has is dropped), so no card ever shows tofu.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Mapping

from PIL import Image, ImageDraw

from bot.domain.outcomes import Choice, Outcome
from bot.render.cards import fonts
from bot.render.cards.fonts import REPLACEMENT, Face

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]

#: An opaque card of its own: legible on Discord's dark and light themes alike.
BACKGROUND: RGB = (23, 26, 43)
PANEL: RGB = (33, 37, 58)
PANEL_ALT: RGB = (28, 31, 50)
RULE: RGB = (58, 63, 92)
TEXT: RGB = (242, 243, 245)
MUTED: RGB = (163, 169, 194)
GOLD: RGB = (245, 197, 66)
SILVER: RGB = (196, 204, 214)
BRONZE: RGB = (205, 140, 85)
GREEN: RGB = (59, 165, 93)
AMBER: RGB = (250, 166, 26)
RED: RGB = (237, 66, 69)
GREY: RGB = (128, 134, 150)
BLUE: RGB = (88, 101, 242)
CHOICE_COLOUR: Mapping[Choice, RGB] = {
    Choice.CAME_TRUE: GREEN,
    Choice.PARTLY: AMBER,
    Choice.DID_NOT: RED,
}

#: A member with no stored name is shown as this, never as a raw id.
NO_NAME = "a member"
MISSING_GLYPH = REPLACEMENT
ELLIPSIS = "…"
#: At most this many combining marks are kept on one character (no towers of accents).
MARKS_PER_CHAR = 2
#: Discord's upload limit for a bot without boosts is 10 MiB; the cards stay far below this.
MAX_BYTES = 1024 * 1024

_DROP = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def font(size: int, bold: bool = False) -> Face:
    """Return the card text style at a pixel size."""
    return Face(size, bold)


def drawable(code: int) -> bool:
    """Say whether some card font has a character."""
    return fonts.font_of(code) is not None


def clean(text: str | None, placeholder: str = NO_NAME) -> str:
    """Return text the fonts can draw: NFC, no controls, U+FFFD for each run of missing glyphs."""
    if not text:
        return placeholder
    out: list[str] = []
    marks = 0
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category in _DROP:
            if category == "Cc" and ch.isspace():
                out.append(" ")
            continue
        if category.startswith("M"):
            if drawable(ord(ch)) and out and out[-1] != " " and marks < MARKS_PER_CHAR:
                out.append(ch)
                marks += 1
            continue
        marks = 0
        if ch.isspace():
            out.append(" ")
        elif 0x1F3FB <= ord(ch) <= 0x1F3FF:
            continue  # a skin tone has no monochrome form: the emoji stands alone
        elif (folded := _folded(ch)) is not None:
            out.append(folded)  # fancy letters (𝓐, ｆ) as their plain compatibility form
        elif drawable(ord(ch)):
            out.append(ch)
        elif category != "Sk" and (not out or out[-1] != MISSING_GLYPH):
            out.append(MISSING_GLYPH)
    result = " ".join("".join(out).split())
    return result or placeholder


def _folded(ch: str) -> str | None:
    """Return a fancy letter's plain form (𝓐 as A) when the main font has it, else None."""
    if ord(ch) in fonts.coverage(0) or unicodedata.category(ch)[0] not in "LN":
        return None
    folded = unicodedata.normalize("NFKC", ch)
    if folded == ch or not folded.isalnum() or any(ord(c) not in fonts.coverage(0) for c in folded):
        return None
    return folded


def fit(text: str, face: Face, width: float) -> str:
    """Cut text with an ellipsis so it fits a width in pixels."""
    if fonts.length(text, face) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fonts.length(text[:middle].rstrip() + ELLIPSIS, face) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ELLIPSIS


def squeeze(value: str, face: Face, width: float, smallest: int) -> tuple[str, Face]:
    """Fit text to a width: a smaller size first (down to `smallest`), then an ellipsis."""
    for size in range(face.size, smallest - 1, -1):
        smaller = Face(size, face.bold)
        if fonts.length(value, smaller) <= width:
            return value, smaller
    small = Face(smallest, face.bold)
    return fit(value, small, width), small


def wrap(value: str, face: Face, width: float, lines: int = 2) -> list[str]:
    """Break text into at most `lines` lines that fit a width, at spaces when it can."""
    out: list[str] = []
    rest = value.strip()
    while rest and len(out) < lines - 1 and fonts.length(rest, face) > width:
        cut = _longest(rest, face, width)
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(fit(rest, face, width))
    return out


def _longest(value: str, face: Face, width: float) -> int:
    """Return how many leading characters fit a width (at least one)."""
    low, high = 1, len(value)
    while low < high:
        middle = (low + high + 1) // 2
        if fonts.length(value[:middle], face) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def name_of(names: Mapping[int, str], member_id: int) -> str:
    """Return a member's drawable name, or the neutral placeholder."""
    return clean(names.get(member_id), NO_NAME)


def new_card(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """Start an opaque card with a thin accent frame."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=RULE, width=2)
    draw.rectangle((0, 0, width - 1, 5), fill=GOLD)
    return image, draw


def text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    value: str,
    face: Face,
    fill: RGB = TEXT,
    *,
    width: float | None = None,
    anchor: str = "la",
    shrink: int | None = None,
) -> None:
    """Draw one line of text fitted to a width when given: shrunk to `shrink` px, then cut."""
    if width is not None and shrink is not None:
        value, face = squeeze(value, face, width, shrink)
    elif width is not None:
        value = fit(value, face, width)
    fonts.draw_line(draw, xy, value, face, fill, anchor)


def outcome_icon(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, outcome: Outcome | None
) -> None:
    """Draw an outcome as a shape (no emoji font needed): check, half, cross, void, open."""
    x, y = centre
    box = (x - radius, y - radius, x + radius, y + radius)
    line = max(2, round(radius / 4))
    if outcome is None:
        draw.ellipse(box, outline=MUTED, width=line)
        draw.line((x, y - radius * 0.5, x, y), fill=MUTED, width=line)
        draw.line((x, y, x + radius * 0.4, y + radius * 0.3), fill=MUTED, width=line)
    elif outcome is Outcome.CAME_TRUE:
        draw.ellipse(box, fill=GREEN)
        points = [
            (x - radius * 0.5, y),
            (x - radius * 0.12, y + radius * 0.4),
            (x + radius * 0.55, y - radius * 0.4),
        ]
        draw.line(points, fill=TEXT, width=line, joint="curve")
    elif outcome is Outcome.PARTLY:
        draw.ellipse(box, fill=PANEL, outline=AMBER, width=line)
        draw.pieslice(box, 90, 270, fill=AMBER)
    elif outcome is Outcome.DID_NOT:
        draw.ellipse(box, fill=RED)
        r = radius * 0.42
        draw.line((x - r, y - r, x + r, y + r), fill=TEXT, width=line)
        draw.line((x - r, y + r, x + r, y - r), fill=TEXT, width=line)
    else:
        draw.ellipse(box, outline=GREY, width=line)
        draw.line((x - radius * 0.45, y, x + radius * 0.45, y), fill=GREY, width=line)


#: The outcome icons as the legends explain them (None: still open).
LEGEND: tuple[tuple[Outcome | None, str], ...] = (
    (Outcome.CAME_TRUE, "came true"),
    (Outcome.PARTLY, "partly"),
    (Outcome.DID_NOT, "did not"),
    (Outcome.VOID, "void"),
)


def legend(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    items: tuple[tuple[Outcome | None, str], ...],
    face: Face,
) -> float:
    """Draw each outcome icon with its meaning on one line; return where the line ends."""
    x, y = xy
    radius = face.size * 0.42
    for outcome, label in items:
        outcome_icon(draw, (x + radius, y), radius, outcome)
        x += radius * 2 + 6
        text(draw, (x, y), label, face, MUTED, anchor="lm")
        x += fonts.length(label, face) + 18
    return x


def split_bar(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    counts: Mapping[Choice, int],
) -> None:
    """Draw the community's split as one bar: came true, partly, did not (grey when no votes)."""
    left, top, right, bottom = box
    total = sum(counts.values())
    draw.rectangle(box, fill=RULE)
    if total == 0:
        return
    x = left
    order = (Choice.CAME_TRUE, Choice.PARTLY, Choice.DID_NOT)
    for index, choice in enumerate(order):
        share = counts.get(choice, 0) / total
        end = right if index == len(order) - 1 else x + (right - left) * share
        if end > x and counts.get(choice, 0):
            draw.rectangle((x, top, end, bottom), fill=CHOICE_COLOUR[choice])
        x = end


def sealed_bar(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float]) -> None:
    """Draw a sealed poll's bar: hatched grey, the split is hidden until the poll closes."""
    left, top, right, bottom = box
    draw.rectangle(box, fill=RULE)
    step, height = 12, bottom - top
    x = left
    while x < right:
        draw.line(
            (x, bottom, min(x + height, right), bottom - min(height, right - x)),
            fill=MUTED,
            width=2,
        )
        x += step


def png(image: Image.Image) -> bytes:
    """Encode a card as PNG, halving it in the unexpected case it is over 1 MiB."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)  # lossless; level 6 costs 40% more time
    data = buffer.getvalue()
    if len(data) > MAX_BYTES:  # never expected; a smaller card beats a refused upload
        half = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
        return png(half)
    return data


def warm() -> None:
    """Load the fonts' character maps and common sizes once, so no card waits for them."""
    fonts.warm()
