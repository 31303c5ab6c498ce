"""Input rules for predictions, resolutions and polls: limits a user can hit."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from bot.domain.errors import Conflict, InvalidInput

TITLE_MAX = 100
STATEMENT_MAX = 1000
SOURCE_MAX = 100
CRITERIA_MAX = 1000
NOTE_MAX = 500
URL_MAX = 500
POLL_HOURS_MIN = 1
POLL_HOURS_MAX = 24 * 30
POLL_HOURS_DEFAULT = 24 * 7
#: How long after its deadline a poll's reactions may still be read back as its votes: enough
#: for the close that runs at the deadline, too little for reactions added long after it.
READ_BACK_GRACE = timedelta(seconds=60)
#: A poll closed early or at its deadline gets a result post; one the bot failed to post (a
#: crash, Discord down) is still posted this long after the close, not later.
#: A prediction number as typed: ASCII digits only ('²' and '３' pass str.isdigit() too).
_NUMBER = re.compile(r"[0-9]{1,6}")

RESULT_CATCH_UP = timedelta(days=1)
RESULT_REASONS = ("deadline", "closed")
#: A resolution change the bot failed to announce is still announced this long after it.
ANNOUNCE_CATCH_UP = RESULT_CATCH_UP


def clean_text(value: str, field: str, limit: int, *, required: bool = True) -> str | None:
    """Strip a user text and check its length, or raise a friendly error."""
    text = " ".join(value.split()) if field == "title" else value.strip()
    if not text:
        if required:
            raise InvalidInput(f"The {field} can't be empty.")
        return None
    if len(text) > limit:
        raise InvalidInput(f"The {field} is {len(text)} characters long; the limit is {limit}.")
    return text


def prediction_number(text: str) -> int | None:
    """Return the number in '3', '#3' or '#3 Title', or None unless it is 1-999999 in ASCII."""
    head = text.strip().lstrip("#").split(" ", 1)[0]
    if not _NUMBER.fullmatch(head) or int(head) == 0:
        return None
    return int(head)


def check_dates(made_on: date, due: date) -> None:
    """Refuse a due date before the date the prediction was made."""
    if due < made_on:
        raise InvalidInput(
            f"The due date {due.isoformat()} is before the date it was made ({made_on.isoformat()})."
        )


def parse_date(text: str, field: str) -> date:
    """Parse an ISO date (YYYY-MM-DD) or raise a friendly error."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"The {field} '{text}' is not a date: use YYYY-MM-DD.") from None


def check_evidence_url(url: str | None) -> str | None:
    """Accept only an absolute http(s) URL of reasonable length."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if len(url) > URL_MAX:
        raise InvalidInput(
            f"The evidence URL is {len(url)} characters long; the limit is {URL_MAX}."
        )
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in url:
        raise InvalidInput("The evidence must be a web link starting with http:// or https://.")
    return url


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
