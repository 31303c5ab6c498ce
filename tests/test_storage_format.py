"""The vote writer's hand-made SQLite timestamps are exactly what SQLAlchemy would store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from db.models import sqlite_datetime

_bind = sqlite.DATETIME().bind_processor(sqlite.dialect())

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.one_of(st.just(UTC), offsets),
    )
)
def test_sqlite_datetime_matches_sqlalchemy(value: datetime) -> None:
    """Any aware instant, whole seconds included, is written as SQLAlchemy writes its UTC."""
    assert _bind is not None
    assert sqlite_datetime(value) == _bind(value.astimezone(UTC).replace(tzinfo=None))


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.lists(st.integers(min_value=-3_000_000, max_value=3_000_000), min_size=1, max_size=30),
)
def test_a_run_of_nearby_instants_is_written_as_sqlalchemy_writes_each(
    base: datetime, steps: list[int]
) -> None:
    """Instants in and around one second, one after another (the kept text of a second)."""
    assert _bind is not None
    for step in steps:
        value = base + timedelta(microseconds=step)
        assert sqlite_datetime(value) == _bind(value.replace(tzinfo=None))
