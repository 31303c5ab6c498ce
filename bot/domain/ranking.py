"""Ranking rules for leaderboards: points, then peer score, then scored votes; ties share."""

from __future__ import annotations

from collections.abc import Iterable
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
