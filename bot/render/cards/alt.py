"""Alt text of the cards (an attachment's description: at most 1,024 characters)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.render.cards.canvas import NO_NAME
from bot.render.texts import cut, num
from bot.services.snapshots import Board

#: Discord's limit on an attachment's description.
ALT_MAX = 1024


def leaderboard_alt(board: Board, names: Mapping[int, str]) -> str:
    """Say the period and the top three with their points, for screen readers."""
    rows = board.top(3)
    if not rows:
        return f"Leaderboard card, {board.label}: nobody scored yet."
    top = "; ".join(
        f"{row.rank}. {cut(' '.join((names.get(row.member_id) or NO_NAME).split()), 100)}, "
        f"{num(row.points)} points"
        for row in rows
    )
    return cut(f"Leaderboard card, {board.label}. Top three: {top}.", ALT_MAX)
