"""What writing a batch of votes and reading a poll back did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.ballots import BallotStyle
from bot.domain.outcomes import Choice
from bot.domain.votes import VoteEvent, Write


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
class BallotState:
    """A poll as a button press needs it, and the member's stored ballot on it, if any."""

    poll_id: int
    guild_id: int
    message_id: int | None
    ballot: BallotStyle
    closes_at: datetime
    closed_at: datetime | None
    #: The member's stored vote and its salt (None: no vote).
    choice: Choice | None = None
    salt: str | None = None
