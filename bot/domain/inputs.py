"""Input rules for predictions and resolutions: the limits a user can hit when typing them."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

from bot.domain.errors import InvalidInput

TITLE_MAX = 100
STATEMENT_MAX = 1000
SOURCE_MAX = 100
CRITERIA_MAX = 1000
NOTE_MAX = 500
URL_MAX = 500
#: A prediction number as typed: ASCII digits only ('²' and '３' pass str.isdigit() too).
_NUMBER = re.compile(r"[0-9]{1,6}")


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
