"""Reminders before polls close, and the overdue predictions the weekly digest lists."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.domain.clock import Clock
from bot.domain.community import REMINDER_BEFORE, is_overdue, reminder_due
from bot.domain.months import parse_timezone
from bot.services.shared_reads import shown_tallies
from bot.snapshots.community import OverdueItem, ReminderItem
from bot.snapshots.predictions import Tally
from db.models import GuildSettings, Poll, Prediction, Resolution
from db.session import Database

log = logging.getLogger(__name__)


class ReminderService:
    """Find due reminders and overdue predictions; record reminder posts."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def due(self) -> list[ReminderItem]:
        """Return the open polls whose reminder is due and not yet posted."""
        now = self._clock.now()
        async with self._db.read() as session:
            rows = (
                await session.execute(
                    select(Poll, Prediction)
                    .join(Prediction, Prediction.id == Poll.prediction_id)
                    .where(
                        Poll.closed_at.is_(None),
                        Poll.message_id.is_not(None),
                        Poll.reminder_message_id.is_(None),
                        Poll.closes_at > now,
                        Poll.closes_at <= now + REMINDER_BEFORE,
                    )
                    .order_by(Poll.id)
                )
            ).all()
            rows = [(p, q) for p, q in rows if reminder_due(p.opened_at, p.closes_at, now)]
            counts = await shown_tallies(session, [q.id for _, q in rows])
        return [
            ReminderItem(
                p.id,
                p.guild_id,
                p.channel_id,
                p.message_id or 0,
                q.number,
                q.title,
                p.closes_at,
                counts.get(q.id, Tally()),
                p.thread_id,
            )
            for p, q in rows
        ]

    async def record(self, poll_id: int, message_id: int) -> None:
        """Record a poll's reminder post (0: none is due any more)."""
        async with self._db.write() as session:
            await session.execute(
                update(Poll).where(Poll.id == poll_id).values(reminder_message_id=message_id)
            )

    async def overdue(self, guild_id: int) -> list[OverdueItem]:
        """Return a guild's predictions past their due date and unresolved, oldest due first."""
        async with self._db.read() as session:
            settings = await session.get(GuildSettings, guild_id)
            zone = zone_of_row(settings)
            today = self._clock.now().astimezone(zone).date()
            predictions = list(
                await session.scalars(
                    select(Prediction)
                    .outerjoin(Resolution, Resolution.prediction_id == Prediction.id)
                    .where(
                        Prediction.guild_id == guild_id,
                        Prediction.archived.is_(False),
                        Resolution.prediction_id.is_(None),
                        Prediction.due < today,
                    )
                    .order_by(Prediction.due, Prediction.number)
                )
            )
            predictions = [p for p in predictions if is_overdue(p.due, today)]
            ids = [p.id for p in predictions]
            counts = await shown_tallies(session, ids)
            open_ids = set(
                await session.scalars(
                    select(Poll.prediction_id).where(
                        Poll.prediction_id.in_(ids), Poll.closed_at.is_(None)
                    )
                )
            )
        return [
            OverdueItem(p.number, p.title, p.due, counts.get(p.id, Tally()), p.id in open_ids)
            for p in predictions
        ]


def zone_of_row(settings: GuildSettings | None) -> ZoneInfo:
    """Return a guild's time zone from its settings row (UTC without one)."""
    return parse_timezone(settings.timezone if settings is not None else "UTC")
