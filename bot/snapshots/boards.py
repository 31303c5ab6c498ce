"""Boards, member records, scorecards and breakdowns: what the card and board reads return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from bot.domain.months import Month
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import BoardRow, Ranked
from bot.snapshots.predictions import Tally


@dataclass(frozen=True, slots=True)
class ResolvedItem:
    """A prediction resolved within a board's period."""

    number: int
    title: str
    outcome: Outcome
    resolved_at: datetime


@dataclass(frozen=True)
class Board:
    """A ranked leaderboard of a period; rows become BoardRow objects only when read."""

    guild_id: int
    month: Month | None
    ranked: tuple[Ranked, ...]
    resolved: tuple[ResolvedItem, ...]
    #: The set the board is narrowed to; None for every set.
    set_name: str | None = None

    @cached_property
    def rows(self) -> tuple[BoardRow, ...]:
        """Return every row."""
        return tuple(BoardRow(*row) for row in self.ranked)

    @property
    def size(self) -> int:
        """Return how many members are ranked."""
        return len(self.ranked)

    def top(self, n: int = 10) -> tuple[BoardRow, ...]:
        """Return the first n rows."""
        return tuple(BoardRow(*row) for row in self.ranked[:n])

    def row_of(self, member_id: int) -> BoardRow | None:
        """Return a member's row, None if they scored nothing."""
        return next((BoardRow(*row) for row in self.ranked if row[1] == member_id), None)

    @property
    def label(self) -> str:
        """Return a human label of the period."""
        period = self.month.label if self.month else "All time"
        return f"{period} · {self.set_name}" if self.set_name else period


@dataclass(frozen=True, slots=True)
class MemberStats:
    """A member's record in a guild."""

    member_id: int
    votes: int
    open_votes: int
    row: BoardRow | None
    ranked_members: int
    #: (month 'YYYY-MM', points) for the months up to the current one, oldest first.
    months: tuple[tuple[str, float], ...] = ()
    #: Scored votes that matched the other voters' clear majority, of those that had one.
    agreed: int = 0
    compared: int = 0
    #: The set the record is narrowed to; None for every set.
    set_name: str | None = None


@dataclass(frozen=True, slots=True)
class SourceCard:
    """How one source's predictions fared, and how the community's majority compared."""

    source: str
    total: int
    came_true: int
    partly: int
    did_not: int
    void: int
    open: int
    majority_compared: int
    majority_agreed: int
    #: The source's predictions by number (at most ScorecardService.ITEMS of them).
    items: tuple[SourceItem, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One prediction on a scorecard: its outcome (None while unresolved) and the vote split."""

    number: int
    title: str
    outcome: Outcome | None
    tally: Tally


@dataclass(frozen=True, slots=True)
class BreakdownItem:
    """One scored prediction of a member: their vote, the outcome and the points it gave."""

    number: int
    title: str
    vote: Choice
    outcome: Outcome
    points: float
    resolved_at: datetime
    #: Cast on a sealed poll: shown only to the member (vote and points), never to others.
    sealed: bool = False


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One page of a member's scored predictions."""

    member_id: int
    items: tuple[BreakdownItem, ...]
    page: int
    pages: int
    total: int
