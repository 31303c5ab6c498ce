"""Reference images of the cards, stored small, and how to compare and regenerate them.

Regenerate after an intended change of a card's look (then look at them, and commit)::

    .venv/bin/python -m tests.render.refs
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from bot.render.cards import leaderboard_card, member_card, samples, scorecard_card

FOLDER = Path(__file__).parent / "refs"
#: References are kept at a quarter of the size, in grey: small files, anti-aliasing averaged.
SCALE = 4


def cards() -> dict[str, Callable[[], bytes]]:
    """Return each card's sample render."""
    return {
        "leaderboard": lambda: leaderboard_card(
            samples.board(), server=samples.SERVER, names=samples.NAMES
        ),
        "member": lambda: member_card(samples.member(), name="Ada Lovelace", server=samples.SERVER),
        "scorecard": lambda: scorecard_card(samples.scorecard(), server=samples.SERVER),
    }


def small(data: bytes) -> Image.Image:
    """Return a card reduced the way its reference is stored."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return image.resize((image.width // SCALE, image.height // SCALE), Image.Resampling.BOX)


def difference(data: bytes, name: str) -> tuple[float, float]:
    """Return (mean grey difference 0-255, share of pixels off by more than 48) to a reference."""
    reference = Image.open(FOLDER / f"{name}.png").convert("L")
    image = small(data)
    if image.size != reference.size:
        return 255.0, 1.0
    diff = ImageChops.difference(image, reference)
    mean = ImageStat.Stat(diff).mean[0]
    histogram = diff.histogram()
    off = sum(histogram[49:]) / (image.width * image.height)
    return mean, off


def main() -> None:
    """Write every reference image."""
    FOLDER.mkdir(exist_ok=True)
    for name, render in cards().items():
        path = FOLDER / f"{name}.png"
        small(render()).save(path, optimize=True)
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
