"""Months, time zones and input rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FrozenClock, ensure_utc
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.inputs import check_dates, check_evidence_url, clean_text
from bot.domain.lifecycle import check_can_poll, poll_deadline
from bot.domain.months import Month, board_month_due, parse_timezone


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "25-01", "2025/01", "", "march", "1999-01"])
def test_invalid_months_are_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a month"):
        Month.parse(text)


def test_month_bounds_follow_the_guild_time_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    start, end = Month(2025, 3).bounds(tokyo)
    assert start == datetime(2025, 2, 28, 15, tzinfo=UTC)
    assert end == datetime(2025, 3, 31, 15, tzinfo=UTC)
    # 23:30 UTC on 31 March is already April in Tokyo.
    assert Month.containing(datetime(2025, 3, 31, 23, 30, tzinfo=UTC), tokyo) == Month(2025, 4)
    assert Month(2025, 12).next() == Month(2026, 1)
    assert Month(2025, 1).previous() == Month(2024, 12)
    assert str(Month(2025, 3)) == "2025-03"


def test_board_month_due_is_the_ended_month_unless_the_guild_came_later() -> None:
    utc = ZoneInfo("UTC")
    now = datetime(2025, 4, 1, 0, 5, tzinfo=UTC)
    assert board_month_due(now, utc, datetime(2025, 1, 1, tzinfo=UTC)) == Month(2025, 3)
    assert board_month_due(now, utc, datetime(2025, 4, 1, 0, 1, tzinfo=UTC)) is None


def test_unknown_time_zone_is_a_friendly_error() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        parse_timezone("Mars/Olympus")
    with pytest.raises(InvalidInput):
        parse_timezone("../../etc/passwd")


def test_text_rules() -> None:
    assert clean_text("  a   b ", "title", 10) == "a b"
    with pytest.raises(InvalidInput, match="limit is 5"):
        clean_text("x" * 6, "title", 5)
    with pytest.raises(InvalidInput, match="can't be empty"):
        clean_text("   ", "statement", 5)
    with pytest.raises(InvalidInput, match="before the date it was made"):
        check_dates(date(2025, 1, 2), date(2025, 1, 1))


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.org/a", "example.com", "http://", "https://a b.com"]
)
def test_evidence_must_be_http_url(url: str) -> None:
    with pytest.raises(InvalidInput, match="http"):
        check_evidence_url(url)


def test_evidence_url_accepted_and_blank_is_none() -> None:
    assert check_evidence_url(" https://example.com/a ") == "https://example.com/a"
    assert check_evidence_url("  ") is None


def test_poll_rules() -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    assert poll_deadline(start, 2) == datetime(2025, 3, 1, 2, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="out of range"):
        poll_deadline(start, 0)
    with pytest.raises(Conflict, match="resolved"):
        check_can_poll(number=3, archived=False, resolved=True, has_open_poll=False)
    with pytest.raises(Conflict, match="already has an open poll"):
        check_can_poll(number=3, archived=False, resolved=False, has_open_poll=True)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2025, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        FrozenClock(datetime(2025, 1, 1))  # noqa: DTZ001
