"""The community rules: when a reminder is due, the digest's week, the dispute window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.community import (
    champions,
    digest_week,
    dispute_deadline,
    dispute_open,
    reminder_at,
    reminder_due,
)

START = datetime(2025, 11, 3, 9, tzinfo=UTC)


@given(
    st.integers(min_value=1, max_value=24 * 30), st.integers(min_value=0, max_value=24 * 31 * 60)
)
def test_a_reminder_is_due_only_in_the_last_day_of_a_poll_longer_than_a_day(
    hours: int, minutes_after: int
) -> None:
    closes = START + timedelta(hours=hours)
    now = START + timedelta(minutes=minutes_after)
    due = reminder_due(START, closes, now)
    assert due == (hours > 24 and closes - timedelta(hours=24) <= now < closes)
    assert (reminder_at(START, closes) is None) == (hours <= 24)


def test_the_digest_week_is_the_iso_week() -> None:
    assert digest_week(datetime(2026, 1, 7, tzinfo=UTC)) == "2026-W02"
    assert digest_week(datetime(2025, 12, 29, tzinfo=UTC)) == "2026-W01"


def test_the_dispute_window() -> None:
    assert dispute_deadline(START, 0) is None
    assert dispute_deadline(START, 48) == START + timedelta(hours=48)
    assert dispute_open(START, 48, START + timedelta(hours=47, minutes=59))
    assert not dispute_open(START, 48, START + timedelta(hours=48))
    assert not dispute_open(START, 0, START)


def test_champions_are_every_member_ranked_first() -> None:
    assert champions([(1, 7, 2.0, 0.5, 2, 2), (1, 9, 2.0, 0.5, 2, 2), (3, 4, 1.0, 0.0, 2, 1)]) == {
        7,
        9,
    }
    assert champions([]) == frozenset()
