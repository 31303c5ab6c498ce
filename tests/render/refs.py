"""Reference images of the cards, stored small, and how to compare and regenerate them.

Each card has one reference per layout engine (RAQM shapes Arabic, Indic and Thai text; the basic
layout only reorders right-to-left text), so the tests are deterministic with or without libraqm.
Regenerate after an intended change of a card's look (then look at them, and commit)::

    .venv/bin/python -m tests.render.refs
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageStat, features

from bot.domain.months import Month
from bot.render.cards import leaderboard_card, member_card, samples, scorecard_card
from bot.render.cards.fonts import Layout, forced
from bot.snapshots.boards import Board

FOLDER = Path(__file__).parent / "refs"
#: References are kept at a quarter of the size, in grey: small files, anti-aliasing averaged.
SCALE = 4
#: Ten ordinary names from ten scripts, and a server named in Chinese and English.
WORLD_NAMES = (
    "王小明",
    "さくら",
    "김민준",
    "สมชาย",
    "प्रिया",
    "محمد",
    "דוד",
    "Αλέξανδρος",
    "Дмитрий",
    "🦊 Fox",
)
WORLD_SERVER = "数学 Forecasters"


def layouts() -> dict[str, Layout]:
    """Return the layout engines this Pillow can draw with, by their reference suffix."""
    found = {"basic": Layout.BASIC}
    if features.check("raqm"):
        found["raqm"] = Layout.RAQM
    return found


#: Both layout engines' references are checked; RAQM's only where Pillow has it (skipped else).
LAYOUTS = ("basic", "raqm")


def need(layout: str) -> None:
    """Skip a test of a layout engine this Pillow lacks (RAQM needs libfribidi)."""
    if layout not in layouts():
        import pytest

        pytest.skip("Pillow has no RAQM layout here: apt-get install libraqm0 (or libfribidi0)")


def world_board() -> Board:
    """Return a board whose ten members are WORLD_NAMES, in that order."""
    ranked = tuple((n + 1, 200 + n, 10.0 - n, 1.0 - n / 5, 9, 9 - n) for n in range(10))
    return Board(1, Month(2025, 12), ranked, ())


def world_names() -> dict[int, str]:
    """Return the member names of world_board()."""
    return {200 + n: name for n, name in enumerate(WORLD_NAMES)}


def cards() -> dict[str, Callable[[], bytes]]:
    """Return each card's sample render."""
    return {
        "leaderboard": lambda: leaderboard_card(
            samples.board(), server=samples.SERVER, names=samples.NAMES
        ),
        "member": lambda: member_card(samples.member(), name="Ada Lovelace", server=samples.SERVER),
        "scorecard": lambda: scorecard_card(samples.scorecard(), server=samples.SERVER),
        "leaderboard_world_names": lambda: leaderboard_card(
            world_board(), server=WORLD_SERVER, names=world_names()
        ),
    }


def render(name: str, layout: str) -> bytes:
    """Render a sample card with one layout engine."""
    need(layout)
    with forced(layouts()[layout]):
        return cards()[name]()


def path(name: str, layout: str) -> Path:
    """Return where a card's reference for a layout engine is stored."""
    return FOLDER / f"{name}.{layout}.png"


def small(data: bytes) -> Image.Image:
    """Return a card reduced the way its reference is stored."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return image.resize((image.width // SCALE, image.height // SCALE), Image.Resampling.BOX)


def difference(
    data: bytes, name: str, layout: str, box: tuple[int, int, int, int] | None = None
) -> tuple[float, float]:
    """Return (mean grey difference 0-255, share of pixels off by more than 48) to a reference.

    With a box (in full-size pixels), only that region is compared.
    """
    reference = Image.open(path(name, layout)).convert("L")
    image = small(data)
    if image.size != reference.size:
        return 255.0, 1.0
    diff = ImageChops.difference(image, reference)
    if box is not None:
        diff = diff.crop(tuple(v // SCALE for v in box))
    mean = ImageStat.Stat(diff).mean[0]
    histogram = diff.histogram()
    off = sum(histogram[49:]) / (diff.width * diff.height)
    return mean, off


def main() -> None:
    """Write every reference image, once per layout engine this Pillow has."""
    FOLDER.mkdir(exist_ok=True)
    for layout in layouts():
        for name in cards():
            target = path(name, layout)
            small(render(name, layout)).save(target, optimize=True)
            print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
