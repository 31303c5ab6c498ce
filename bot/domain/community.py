"""Rules of the community features: reminders, the weekly digest, disputes (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.errors import InvalidInput

#: A reminder goes out this long before a poll closes.
REMINDER_BEFORE = timedelta(hours=24)

#: The dispute window unless a server sets its own; 0 turns disputes off.
DISPUTE_HOURS_DEFAULT = 48
DISPUTE_HOURS_MAX = 24 * 30
#: The longest dispute reason a member may give.
REASON_MAX = 250


def reminder_at(opened_at: datetime, closes_at: datetime) -> datetime | None:
    """Return when a poll's reminder is due, None when it closes too soon after opening."""
    at = closes_at - REMINDER_BEFORE
    return at if at > opened_at else None


def reminder_due(opened_at: datetime, closes_at: datetime, now: datetime) -> bool:
    """Tell whether a poll's reminder is due now (and the poll not yet closed)."""
    at = reminder_at(opened_at, closes_at)
    return at is not None and at <= now < closes_at


def is_overdue(due: date, today: date) -> bool:
    """Tell whether a prediction's due date has passed."""
    return due < today


def digest_week(now: datetime) -> str:
    """Return the ISO week a digest belongs to ('2025-W48'): one digest per week."""
    year, week, _ = now.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def dispute_deadline(resolved_at: datetime, hours: int) -> datetime | None:
    """Return until when a resolution can be disputed, None when disputes are off."""
    return resolved_at + timedelta(hours=hours) if hours > 0 else None


def dispute_open(resolved_at: datetime, hours: int, now: datetime) -> bool:
    """Tell whether a resolution can still be disputed."""
    deadline = dispute_deadline(resolved_at, hours)
    return deadline is not None and now < deadline


def check_dispute_hours(hours: int) -> int:
    """Return a valid dispute window in hours, or raise a friendly error."""
    if not 0 <= hours <= DISPUTE_HOURS_MAX:
        raise InvalidInput(f"The dispute window must be 0 to {DISPUTE_HOURS_MAX} hours.")
    return hours


def champions(ranked: Iterable[Sequence[float]]) -> frozenset[int]:
    """Return the member ids ranked first on a board (ties share the title)."""
    return frozenset(int(row[1]) for row in ranked if row[0] == 1)


def champion_role_problem(
    *, exists: bool, is_everyone: bool, managed: bool, manage_roles: bool, below_mine: bool
) -> str | None:
    """Say why the bot can't give a role to champions, or None when it can."""
    if not exists:
        return (
            "the champion role no longer exists (deleted?): set a new one with /setup champion-role"
        )
    if is_everyone:
        return "@everyone can't be the champion role: pick a role of its own"
    if managed:
        return "that role is managed by an integration, so nobody can give it"
    if not manage_roles:
        return "I lack Manage Roles, so I can't give the champion role"
    if not below_mine:
        return "the champion role is not below my highest role, so I can't give it: move my role above it"
    return None
