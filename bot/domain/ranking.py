"""Ranking rules for leaderboards: points, then peer score, then scored votes; ties share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from bot.domain.scoring import PEER_PLACES, MemberTotals


class BoardRow(NamedTuple):
    """One ranked row of a leaderboard (a tuple: boards have thousands of them)."""

    rank: int
    member_id: int
    points: float
    peer: float
    scored: int
    exact: int

    @property
    def accuracy(self) -> float:
        """Return the share of scored votes that matched the outcome exactly."""
        return self.exact / self.scored if self.scored else 0.0


def rank_key(totals: MemberTotals) -> tuple[float, float, int]:
    """Return the sort key that orders members best first when sorted descending."""
    return (totals.points, round(totals.peer, PEER_PLACES), totals.scored)


#: (rank, member_id, points, peer, scored, exact): a BoardRow's fields as a plain tuple.
Ranked = tuple[int, int, float, float, int, int]


def rank(members: Iterable[MemberTotals]) -> list[BoardRow]:
    """Rank members best first; equal keys share a rank (1, 2, 2, 4); ids break display order."""
    ranked = rank_tuples((t.member_id, t.points, t.peer, t.scored, t.exact) for t in members)
    return [BoardRow(*row) for row in ranked]


def rank_tuples(members: Iterable[tuple[int, float, float, int, int]]) -> list[Ranked]:
    """Rank (member_id, points, peer, scored, exact) tuples: the same rule, for big boards."""
    places = PEER_PLACES
    # Peer scores compare as shown (rounded, -0.0 == 0.0); rows keep the exact value.
    decorated = [(-p, -round(q, places), -s, m, e, q) for m, p, q, s, e in members]
    decorated.sort()  # the key, then the member id: every tuple differs by the id
    rows: list[Ranked] = []
    previous: tuple[float, float, int] | None = None
    current_rank = 0
    for position, (points, shown, scored, member_id, exact, peer) in enumerate(decorated, start=1):
        key = (points, shown, scored)
        if key != previous:
            current_rank = position
            previous = key
        rows.append((current_rank, member_id, -points, peer, -scored, exact))
    return rows


def rank_sorted(members: Sequence[tuple[int, float, float, int, int]]) -> list[Ranked]:
    """Rank (member_id, points, peer, scored, exact) tuples that should come best first.

    The same rule as `rank_tuples`, in one pass when the tuples already come in its order (a
    database can sort them: points, peer score rounded as shown, scored votes, descending, then
    member ids); tuples in any other order are handed to `rank_tuples` instead.
    """
    scale = 10.0**PEER_PLACES
    rows: list[Ranked] = []
    append = rows.append
    last_points = last_shown = float("inf")
    last_scored = last_member = 0
    current_rank = 0
    for position, (member_id, points, peer, scored, exact) in enumerate(members, start=1):
        # The peer score as shown, times 10**PEER_PLACES: round(peer, PEER_PLACES) is exact but
        # slow; the scaled value rounds to the same integer unless it lies next to a half.
        scaled = peer * scale
        shown = round(scaled)
        if not -_NEAR_HALF < scaled - shown < _NEAR_HALF:
            shown = round(round(peer, PEER_PLACES) * scale)
        if points != last_points or shown != last_shown or scored != last_scored:
            if not (
                points < last_points
                or (
                    points == last_points
                    and (shown < last_shown or (shown == last_shown and scored < last_scored))
                )
            ):
                return rank_tuples(members)
            current_rank = position
            last_points, last_shown, last_scored = points, shown, scored
        elif member_id <= last_member:
            return rank_tuples(members)
        last_member = member_id
        append((current_rank, member_id, points, peer, scored, exact))
    return rows


#: How far from a half a scaled peer score must be for its rounding to be certain.
_NEAR_HALF = 0.5 - 1e-6
