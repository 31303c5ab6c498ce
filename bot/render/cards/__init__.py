"""Cards: PNG images of boards, members and scorecards; pure functions of service snapshots.

Rendering is CPU work (tens of milliseconds): callers run it off the event loop
(asyncio.to_thread), so it never delays vote ingest or other commands.

The names below are imported when first used (PEP 562): Pillow, the card modules and the
fonts are some 14 MB of a process that may never draw a card, and the first card costs only
a few milliseconds more for loading them then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.render.cards.alt import leaderboard_alt, member_alt, scorecard_alt
    from bot.render.cards.canvas import MAX_BYTES, NO_NAME, clean, warm
    from bot.render.cards.leaderboard import TOP as LEADERBOARD_TOP
    from bot.render.cards.leaderboard import leaderboard_card
    from bot.render.cards.member import member_card
    from bot.render.cards.scorecard import scorecard_card

#: Each name: its module in this package and its name there.
_WHERE = {
    "LEADERBOARD_TOP": ("leaderboard", "TOP"),
    "MAX_BYTES": ("canvas", "MAX_BYTES"),
    "NO_NAME": ("canvas", "NO_NAME"),
    "clean": ("canvas", "clean"),
    "leaderboard_alt": ("alt", "leaderboard_alt"),
    "leaderboard_card": ("leaderboard", "leaderboard_card"),
    "member_alt": ("alt", "member_alt"),
    "member_card": ("member", "member_card"),
    "scorecard_alt": ("alt", "scorecard_alt"),
    "scorecard_card": ("scorecard", "scorecard_card"),
    "warm": ("canvas", "warm"),
}

__all__ = [
    "LEADERBOARD_TOP",
    "MAX_BYTES",
    "NO_NAME",
    "clean",
    "leaderboard_alt",
    "leaderboard_card",
    "member_alt",
    "member_card",
    "scorecard_alt",
    "scorecard_card",
    "warm",
]


def __getattr__(name: str) -> Any:
    """Import the module of a card name when it is first asked for, and keep the name."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = where
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value
