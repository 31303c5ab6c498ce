"""Alt text of the cards (an attachment's description: at most 1,024 characters)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from bot.domain.outcomes import Outcome
from bot.render.cards.canvas import NO_NAME
from bot.render.texts import cut, num
from bot.snapshots.boards import Board, MemberStats, SourceCard

#: Discord's limit on an attachment's description.
ALT_MAX = 1024


def leaderboard_alt(board: Board, names: Mapping[int, str], member: int | None = None) -> str:
    """Say the period, the top three, the resolutions (void too) and the asker's row if drawn."""
    rows = board.top(3)
    if not rows:
        return f"Leaderboard card, {board.label}: nobody scored yet."
    top = "; ".join(
        f"{row.rank}. {_name(names, row.member_id)}, {_points(row.points)}" for row in rows
    )
    parts = [f"Leaderboard card, {board.label}. Top three: {top}."]
    if board.resolved:
        outcomes = Counter(item.outcome for item in board.resolved)
        count = len(board.resolved)
        how = ", ".join(f"{outcomes[o]} {o.label}" for o in Outcome if outcomes[o])
        parts.append(f"{count} prediction{'s' if count != 1 else ''} resolved: {how}.")
    own = board.row_of(member) if member is not None else None
    if own is not None:
        parts.append(f"Your row: {own.rank}. {_name(names, own.member_id)}, {_points(own.points)}.")
    return cut(" ".join(parts), ALT_MAX)


def member_alt(record: MemberStats, name: str | None) -> str:
    """Say whose card it is, with rank, points, exact calls and peer score (or none yet)."""
    who = cut(" ".join((name or NO_NAME).split()), 100)
    row = record.row
    if row is None:
        return f"Member card of {who}: no scored votes yet."
    return (
        f"Member card of {who}: rank {row.rank} of {record.ranked_members}, "
        f"{num(row.points)} points, {row.accuracy:.0%} exact, peer {row.peer:+.2f}."
    )


def scorecard_alt(found: Sequence[SourceCard]) -> str:
    """Say each source's predictions by outcome: came true, partly, did not, void and open."""
    parts = [
        f"{card.source[:100]}: {card.total} predictions, {card.came_true} came true, "
        f"{card.partly} partly, {card.did_not} did not, {card.void} void, {card.open} open"
        for card in found[:8]
    ]
    return cut("Scorecard grid. " + "; ".join(parts) + ".", ALT_MAX)


def _name(names: Mapping[int, str], member_id: int) -> str:
    """Return a member's name on one line, at most 100 characters."""
    return cut(" ".join((names.get(member_id) or NO_NAME).split()), 100)


def _points(points: float) -> str:
    """Say a number of points."""
    return f"{num(points)} point{'' if points == 1 else 's'}"
