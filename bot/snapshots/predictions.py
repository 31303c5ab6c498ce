"""Predictions, their polls and resolutions as services hand them back, and what a resolution did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.ballots import BallotStyle
from bot.domain.outcomes import Choice, Outcome


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
    ballot: BallotStyle = BallotStyle.REACTIONS
    #: A sealed poll's commitment once closed: Merkle root (hex) and leaf count.
    sealed_root: str | None = None
    sealed_count: int | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the poll has not been closed."""
        return self.closed_at is None

    @property
    def tally_hidden(self) -> bool:
        """Tell whether only the count of votes may be shown (a sealed poll still open)."""
        return self.ballot is BallotStyle.SEALED and self.closed_at is None


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
class OpenPollRef:
    """What the reaction handler needs to know about an open poll message."""

    poll_id: int
    guild_id: int
    channel_id: int
    message_id: int
    closes_at: datetime
    number: int = 0
    #: Sealed polls take votes by button only: their reactions are no votes.
    ballot: BallotStyle = BallotStyle.REACTIONS


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
