"""Calendar months in a guild's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month such as 2025-03."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM`` or raise a friendly error."""
        match = _MONTH.match(text.strip())
        if not match:
            raise InvalidInput(f"'{text}' is not a month: use YYYY-MM, e.g. 2025-03.")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidInput(f"'{text}' is not a month: the month must be 01 to 12.")
        if not 2000 <= year <= 9998:
            raise InvalidInput(f"'{text}' is not a month: the year must be 2000 to 9998.")
        return cls(year, month)

    @classmethod
    def containing(cls, when: datetime, tz: ZoneInfo) -> Month:
        """Return the month that contains an instant, in a time zone."""
        local = when.astimezone(tz)
        return cls(local.year, local.month)

    def next(self) -> Month:
        """Return the following month."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        """Return the preceding month."""
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self, tz: ZoneInfo) -> datetime:
        """Return the first instant of this month in a time zone, as UTC."""
        return datetime(self.year, self.month, 1, tzinfo=tz).astimezone(UTC)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return [start, end) of this month in a time zone, as UTC instants."""
        return self.start(tz), self.next().start(tz)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Return a human label such as 'March 2025'."""
        return datetime(self.year, self.month, 1, tzinfo=UTC).strftime("%B %Y")


def parse_timezone(name: str) -> ZoneInfo:
    """Return the IANA time zone of that name or raise a friendly error."""
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{name}' is not a time zone I know: use an IANA name such as Europe/Paris or UTC."
        ) from None


def board_month_due(now: datetime, tz: ZoneInfo, guild_since: datetime) -> Month | None:
    """Return the ended month whose leaderboard is due now, None if the guild came after it.

    The board of a month is posted from the first day of the next month (guild time zone); a
    bot that was down then catches up when it starts.
    """
    ended = Month.containing(now, tz).previous()
    if guild_since >= ended.next().start(tz):
        return None
    return ended
