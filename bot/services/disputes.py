"""Disputes: members contesting a resolution within the server's window."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.community import REASON_MAX, dispute_deadline
from bot.domain.errors import Conflict
from bot.domain.inputs import clean_text
from bot.domain.outcomes import Outcome
from bot.services.guilds import ensure
from bot.services.shared_reads import find_prediction
from bot.snapshots.community import DisputeSnapshot
from db.models import Dispute, Resolution, ResolutionEvent
from db.session import Database

log = logging.getLogger(__name__)


class DisputeService:
    """File disputes and list the open ones."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def file(
        self, guild_id: int, number: int, member_id: int, reason: str
    ) -> DisputeSnapshot:
        """File a member's dispute of a prediction's resolution, or say why it can't be."""
        text = clean_text(reason, "reason", REASON_MAX)
        assert text is not None
        now = self._clock.now()
        async with self._db.write() as session:
            prediction = await find_prediction(session, guild_id, number)
            current = await session.get(Resolution, prediction.id)
            if current is None:
                raise Conflict(
                    f"Prediction #{number} is not resolved, so there is nothing to dispute."
                )
            hours = (await ensure(session, guild_id, self._clock)).dispute_hours
            deadline = dispute_deadline(current.resolved_at, hours)
            if deadline is None:
                raise Conflict("Disputes are turned off in this server.")
            if now >= deadline:
                raise Conflict(
                    f"The time to dispute #{number} ended <t:{int(deadline.timestamp())}:R>."
                )
            event_id = await session.scalar(
                select(ResolutionEvent.id)
                .where(ResolutionEvent.prediction_id == prediction.id)
                .order_by(ResolutionEvent.id.desc())
                .limit(1)
            )
            assert event_id is not None
            twice = await session.scalar(
                select(Dispute.id).where(
                    Dispute.event_id == event_id, Dispute.member_id == member_id
                )
            )
            if twice is not None:
                raise Conflict(f"You already disputed this resolution of #{number}.")
            row = Dispute(
                guild_id=guild_id,
                prediction_id=prediction.id,
                event_id=event_id,
                member_id=member_id,
                outcome=current.outcome,
                reason=text,
                at=now,
            )
            session.add(row)
            await session.flush()
            log.info("guild %s: member %s disputed #%s", guild_id, member_id, number)
            return DisputeSnapshot(
                row.id, number, prediction.title, Outcome(row.outcome), member_id, text, now
            )

    async def open_of(self, guild_id: int, number: int) -> list[DisputeSnapshot]:
        """Return a prediction's open disputes, oldest first."""
        async with self._db.read() as session:
            prediction = await find_prediction(session, guild_id, number)
            rows = await session.scalars(
                select(Dispute)
                .where(Dispute.prediction_id == prediction.id, Dispute.closed_at.is_(None))
                .order_by(Dispute.id)
            )
            return [
                DisputeSnapshot(
                    r.id, number, prediction.title, Outcome(r.outcome), r.member_id, r.reason, r.at
                )
                for r in rows
            ]


async def close_open(session: AsyncSession, prediction_id: int, now: datetime) -> tuple[int, ...]:
    """Close a prediction's open disputes (its resolution changed); return their ids."""
    ids = tuple(
        await session.scalars(
            select(Dispute.id).where(
                Dispute.prediction_id == prediction_id, Dispute.closed_at.is_(None)
            )
        )
    )
    if ids:
        await session.execute(update(Dispute).where(Dispute.id.in_(ids)).values(closed_at=now))
    return ids
