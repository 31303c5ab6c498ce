"""Ranking rules for leaderboards: points, then peer score, then scored votes; ties share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.scoring import PEER_PLACES, MemberTotals


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One ranked row of a leaderboard."""

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


def rank(members: Iterable[MemberTotals]) -> list[BoardRow]:
    """Rank members best first; equal keys share a rank (1, 2, 2, 4); ids break display order."""
    ordered = sorted(members, key=lambda t: (_neg(rank_key(t)), t.member_id))
    rows: list[BoardRow] = []
    previous: tuple[float, float, int] | None = None
    current_rank = 0
    for position, totals in enumerate(ordered, start=1):
        key = rank_key(totals)
        if key != previous:
            current_rank = position
            previous = key
        rows.append(
            BoardRow(
                rank=current_rank,
                member_id=totals.member_id,
                points=totals.points,
                peer=round(totals.peer, PEER_PLACES),
                scored=totals.scored,
                exact=totals.exact,
            )
        )
    return rows


def _neg(key: tuple[float, float, int]) -> tuple[float, float, int]:
    return (-key[0], -key[1], -key[2])
