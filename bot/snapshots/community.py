"""Disputes, reminders and overdue predictions: what the community features read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.outcomes import Outcome
from bot.snapshots.predictions import Tally


@dataclass(frozen=True, slots=True)
class DisputeSnapshot:
    """One member's dispute of a prediction's current resolution."""

    id: int
    number: int
    title: str
    outcome: Outcome
    member_id: int
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """A poll whose one reminder is due, with the tally so far."""

    poll_id: int
    guild_id: int
    channel_id: int
    message_id: int
    number: int
    title: str
    closes_at: datetime
    tally: Tally
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """A prediction past its due date and still unresolved, with its poll's tally."""

    number: int
    title: str
    due: date
    tally: Tally
    poll_open: bool
