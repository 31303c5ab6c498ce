"""Injected clocks so time can be tested; every datetime is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tell the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current aware UTC datetime."""
        ...


class SystemClock:
    """Read the system's wall clock."""

    def now(self) -> datetime:
        """Return the current aware UTC datetime."""
        return datetime.now(UTC)


class FrozenClock:
    """Stand still until told to move (for tests and the demo)."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        """Return the frozen time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to a given time."""
        self._now = ensure_utc(when)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward and return the new time."""
        self._now += delta
        return self._now


def ensure_utc(value: datetime) -> datetime:
    """Return value in UTC, refusing naive datetimes."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("naive datetime: every datetime in Called It must be timezone-aware")
    return value.astimezone(UTC)
