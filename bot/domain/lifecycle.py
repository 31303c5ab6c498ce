"""The poll lifecycle: how long a poll runs, when it takes votes, when it may be read back, and
how long a missed result or announcement is still posted."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.errors import Conflict, InvalidInput

POLL_HOURS_MIN = 1
POLL_HOURS_MAX = 24 * 30
POLL_HOURS_DEFAULT = 24 * 7
#: How long after its deadline a poll's reactions may still be read back as its votes: enough
#: for the close that runs at the deadline, too little for reactions added long after it.
READ_BACK_GRACE = timedelta(seconds=60)
#: A poll closed early or at its deadline gets a result post; one the bot failed to post (a
#: crash, Discord down) is still posted this long after the close, not later.
RESULT_CATCH_UP = timedelta(days=1)
RESULT_REASONS = ("deadline", "closed")
#: A resolution change the bot failed to announce is still announced this long after it.
ANNOUNCE_CATCH_UP = RESULT_CATCH_UP


def poll_deadline(opened_at: datetime, hours: int | None) -> datetime:
    """Return when a poll opened now closes, checking the duration."""
    hours = POLL_HOURS_DEFAULT if hours is None else hours
    if not POLL_HOURS_MIN <= hours <= POLL_HOURS_MAX:
        raise InvalidInput(
            f"A poll runs {POLL_HOURS_MIN} to {POLL_HOURS_MAX} hours; {hours} is out of range."
        )
    return opened_at + timedelta(hours=hours)


def check_can_poll(*, number: int, archived: bool, resolved: bool, has_open_poll: bool) -> None:
    """Refuse a poll on an archived, resolved or already polled prediction."""
    if archived:
        raise Conflict(f"Prediction #{number} is archived; it can't be polled.")
    if resolved:
        raise Conflict(f"Prediction #{number} is resolved; unresolve it before polling again.")
    if has_open_poll:
        raise Conflict(f"Prediction #{number} already has an open poll.")


def poll_is_open(closed_at: datetime | None, closes_at: datetime, at: datetime) -> bool:
    """Tell whether a poll takes votes at a given instant."""
    return closed_at is None and at < closes_at


def may_read_back(closed_at: datetime | None, closes_at: datetime, at: datetime) -> bool:
    """Tell whether a poll's reactions may replace its votes now (open, or closing at its deadline)."""
    return closed_at is None and at < closes_at + READ_BACK_GRACE
