"""What workflows hand back: the results of use cases that span Discord and the database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.snapshots.predictions import ClosedPoll, OpenPollRef, PollSnapshot, PredictionSnapshot
from bot.snapshots.votes import ReadBackReport


@dataclass(frozen=True, slots=True)
class ReadBack:
    """What reading one poll's reactions back did."""

    ref: OpenPollRef
    #: What changed; None when the reactions couldn't be read.
    report: ReadBackReport | None
    #: Why the poll couldn't be read back (for the admin), if it couldn't.
    problem: str | None
    #: The poll, closed because its message was deleted.
    closed: ClosedPoll | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """A poll that is open and posted."""

    poll: PollSnapshot
    message_id: int


@dataclass(frozen=True, slots=True)
class OpenedAll:
    """What /poll open-all did."""

    channel_id: int
    opened: list[int]
    #: "#n: why" for each prediction that could not be polled.
    failed: list[str]


@dataclass(frozen=True, slots=True)
class ClosingResult:
    """What closing a poll early did."""

    closed: ClosedPoll | None
    #: Why the poll was closed otherwise (its message was gone), if it was.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Edited:
    """What /prediction edit did."""

    prediction: PredictionSnapshot
    #: Whether its open poll's message now shows the new text; None when it has no open poll.
    poll_message_updated: bool | None
