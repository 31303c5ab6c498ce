"""What services hand back: frozen snapshots of stored data, with no database attached.

Imports no SQLAlchemy and no service, so render and workflows can use them without the database
layer; a workflow's own results are in bot/workflows/results.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from bot.domain.months import Month
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import BoardRow, Ranked
from bot.domain.votes import VoteEvent, Write


@dataclass(frozen=True, slots=True)
class Tally:
    """The community's current votes on a prediction (each member's latest vote)."""

    came_true: int = 0
    partly: int = 0
    did_not: int = 0

    @property
    def total(self) -> int:
        """Return how many members voted."""
        return self.came_true + self.partly + self.did_not

    def count(self, choice: Choice) -> int:
        """Return the votes for one choice."""
        return int(getattr(self, choice.value))

    def as_dict(self) -> dict[Choice, int]:
        """Return the counts keyed by choice."""
        return {choice: self.count(choice) for choice in Choice}

    def without(self, choice: Choice) -> Tally:
        """Return the tally less one vote for a choice (the others' votes)."""
        counts = self.as_dict()
        counts[choice] = max(counts[choice] - 1, 0)
        return Tally(**{c.value: n for c, n in counts.items()})

    @property
    def majority(self) -> Choice | None:
        """Return the single most voted choice, None when nobody voted or the top is tied."""
        counts = sorted(self.as_dict().items(), key=lambda kv: kv[1], reverse=True)
        if counts[0][1] == 0 or counts[0][1] == counts[1][1]:
            return None
        return counts[0][0]


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """A guild's settings."""

    guild_id: int
    timezone: str
    polls_channel_id: int | None
    leaderboard_channel_id: int | None
    admin_role_id: int | None
    seeded_at: datetime | None
    created_at: datetime
    admin_channel_id: int | None = None
    dispute_hours: int = 48
    poll_threads: bool = False
    champion_role_id: int | None = None
    voter_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class PollSnapshot:
    """A poll on a prediction."""

    id: int
    prediction_id: int
    guild_id: int
    number: int
    channel_id: int
    message_id: int | None
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    thread_id: int | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the poll has not been closed."""
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class ResolutionSnapshot:
    """The current resolution of a prediction."""

    outcome: Outcome
    resolved_at: datetime
    resolved_by: int | None
    note: str | None
    evidence_url: str | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change in a prediction's resolution."""

    at: datetime
    actor_id: int | None
    old: Outcome | None
    new: Outcome | None
    note: str | None
    evidence_url: str | None


@dataclass(frozen=True, slots=True)
class PredictionSnapshot:
    """A prediction with its status, tally, poll and resolution."""

    id: int
    guild_id: int
    number: int
    title: str
    statement: str
    source: str
    made_on: date
    due: date
    criteria: str | None
    archived: bool
    tally: Tally = field(default_factory=Tally)
    poll: PollSnapshot | None = None
    resolution: ResolutionSnapshot | None = None
    history: tuple[AuditEntry, ...] = ()
    #: The name of the set it belongs to.
    set_name: str | None = None

    @property
    def status(self) -> str:
        """Return one of archived, resolved, polling, open."""
        if self.archived:
            return "archived"
        if self.resolution is not None:
            return "resolved"
        if self.poll is not None and self.poll.is_open:
            return "polling"
        return "open"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of predictions."""

    items: tuple[PredictionSnapshot, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What loading a seed set changed."""

    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What a batch of reaction events did, with the folded writes it applied."""

    upserts: int
    deletes: int
    ignored: int
    writes: Mapping[tuple[int, int], Write] = field(default_factory=dict)
    #: The display names the batch wrote, by (guild, member).
    names: Mapping[tuple[int, int], str] = field(default_factory=dict)
    #: (message_id, choice or None for all, votes removed) for each clear applied, in order.
    cleared: tuple[tuple[int, Choice | None, int], ...] = ()
    #: Events the database refused for a reason of their own, left to the next read-back.
    set_aside: tuple[VoteEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadBackReport:
    """How a poll's votes were brought in line with its reactions."""

    poll_id: int
    added: int
    changed: int
    removed: int
    #: (member, choice) reactions beyond each member's one vote, to take off the message.
    extras: tuple[tuple[int, Choice], ...] = ()
    #: False when the poll was past its deadline (or closed) and its votes were left alone.
    applied: bool = True

    @property
    def changes(self) -> int:
        """Return how many votes were added, changed or removed."""
        return self.added + self.changed + self.removed


@dataclass(frozen=True, slots=True)
class OpenPollRef:
    """What the reaction handler needs to know about an open poll message."""

    poll_id: int
    guild_id: int
    channel_id: int
    message_id: int
    closes_at: datetime
    number: int = 0


@dataclass(frozen=True, slots=True)
class ClosedPoll:
    """A poll that was just closed, with its final tally."""

    poll: PollSnapshot
    prediction: PredictionSnapshot


@dataclass(frozen=True, slots=True)
class ResolutionReport:
    """What a resolution did: outcome, community vote, points, and who called it."""

    prediction: PredictionSnapshot
    previous: Outcome | None
    closed_poll: PollSnapshot | None
    points_by_choice: dict[Choice, float]
    called_it: tuple[int, ...]
    #: The audit-trail event of this change (its announcement is recorded against it).
    event_id: int | None = None
    #: The disputes on the old outcome that this change closed.
    closed_disputes: tuple[int, ...] = ()


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
class SetSnapshot:
    """A set with its counts: predictions (not archived), how many resolved, open polls."""

    id: int
    key: str
    name: str
    source: str
    count: int
    resolved: int
    open_polls: int


@dataclass(frozen=True, slots=True)
class SetRef:
    """A set picked by a member: its id and name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class BreakdownItem:
    """One scored prediction of a member: their vote, the outcome and the points it gave."""

    number: int
    title: str
    vote: Choice
    outcome: Outcome
    points: float
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One page of a member's scored predictions."""

    member_id: int
    items: tuple[BreakdownItem, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class DisputeSnapshot:
    """One member's dispute of a prediction's current resolution."""

    id: int
    number: int
    title: str
    outcome: Outcome
    member_id: int
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """A poll whose one reminder is due, with the tally so far."""

    poll_id: int
    guild_id: int
    channel_id: int
    message_id: int
    number: int
    title: str
    closes_at: datetime
    tally: Tally
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """A prediction past its due date and still unresolved, with its poll's tally."""

    number: int
    title: str
    due: date
    tally: Tally
    poll_open: bool
