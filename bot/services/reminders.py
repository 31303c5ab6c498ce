"""Reminders before polls close, overdue predictions and the weekly digest's claim."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from bot.domain.clock import Clock
from bot.domain.community import REMINDER_BEFORE, STALE_CLAIM, is_overdue, reminder_due
from bot.domain.months import parse_timezone
from bot.services.job_claims import Claimed, claim_job
from bot.services.shared_reads import tallies
from bot.snapshots.community import OverdueItem, ReminderItem
from bot.snapshots.predictions import Tally
from db.models import GuildSettings, JobClaim, Poll, Prediction, Resolution
from db.session import Database

log = logging.getLogger(__name__)


class ReminderService:
    """Find due reminders and overdue predictions; claim and record their posts."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def due(self) -> list[ReminderItem]:
        """Return the open polls whose reminder is due and not claimed by a live claimant."""
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
                        or_(
                            Poll.reminder_claimed_at.is_(None),
                            Poll.reminder_claimed_at < now - STALE_CLAIM,
                        ),
                    )
                    .order_by(Poll.id)
                )
            ).all()
            rows = [(p, q) for p, q in rows if reminder_due(p.opened_at, p.closes_at, now)]
            counts = await tallies(session, [q.id for _, q in rows])
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

    async def claim(self, poll_id: int) -> Claimed | None:
        """Claim a poll's reminder; a Claimed only for the one claimant that gets it."""
        now = self._clock.now()
        free = (
            Poll.id == poll_id,
            Poll.closed_at.is_(None),
            Poll.reminder_message_id.is_(None),
            or_(
                Poll.reminder_claimed_at.is_(None),
                Poll.reminder_claimed_at < now - STALE_CLAIM,
            ),
        )
        async with self._db.write() as session:
            before = await session.scalar(select(Poll.reminder_claimed_at).where(*free))
            taken = await session.execute(update(Poll).where(*free).values(reminder_claimed_at=now))
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
        return Claimed(taken_over=before)

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
            counts = await tallies(session, ids)
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

    async def claim_digest(self, guild_id: int, week: str, claimant: str) -> Claimed | None:
        """Claim a guild's weekly digest; a Claimed only for the one claimant that gets it."""
        now = self._clock.now()
        key = digest_key(guild_id, week)
        async with self._db.write() as session:
            return await claim_job(session, key, claimant, now, is_sqlite=self._db.is_sqlite)

    async def digest_done(self, guild_id: int, week: str) -> bool:
        """Tell whether a guild's digest of a week was posted."""
        async with self._db.read() as session:
            done = await session.scalar(
                select(JobClaim.done_at).where(JobClaim.key == digest_key(guild_id, week))
            )
            return done is not None

    async def digest_posted(self, guild_id: int, week: str) -> None:
        """Record that a guild's digest of a week was posted."""
        async with self._db.write() as session:
            await session.execute(
                update(JobClaim)
                .where(JobClaim.key == digest_key(guild_id, week))
                .values(done_at=self._clock.now())
            )


def digest_key(guild_id: int, week: str) -> str:
    """Return the job-claim key of a guild's weekly digest."""
    return f"digest:{guild_id}:{week}"


def zone_of_row(settings: GuildSettings | None) -> ZoneInfo:
    """Return a guild's time zone from its settings row (UTC without one)."""
    return parse_timezone(settings.timezone if settings is not None else "UTC")
