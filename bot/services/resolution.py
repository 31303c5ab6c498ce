"""Resolution: resolve and unresolve predictions, keeping an audit trail of every change."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.inputs import NOTE_MAX, check_evidence_url, clean_text
from bot.domain.lifecycle import ANNOUNCE_CATCH_UP
from bot.domain.outcomes import Choice, Outcome
from bot.domain.scoring import points
from bot.domain.shards import ShardScope
from bot.services import ledger
from bot.services.disputes import close_open
from bot.services.receipts import seal_closed
from bot.services.scoping import EVERYTHING, owned
from bot.services.shared_reads import find_prediction, latest_votes, poll_snapshot, snapshot_of
from bot.snapshots.predictions import ResolutionReport
from db.models import Poll, Prediction, Resolution, ResolutionEvent, Vote
from db.session import Database

log = logging.getLogger(__name__)


class ResolutionService:
    """Resolve predictions."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def resolve(
        self,
        guild_id: int,
        number: int,
        outcome: Outcome | str,
        *,
        actor_id: int | None = None,
        note: str | None = None,
        evidence_url: str | None = None,
    ) -> ResolutionReport:
        """Resolve (or re-resolve) a prediction; closes its open poll."""
        outcome = _outcome(outcome)
        note = clean_text(note, "note", NOTE_MAX, required=False) if note else None
        evidence_url = check_evidence_url(evidence_url)
        now = self._clock.now()
        async with self._db.write() as session:
            prediction = await find_prediction(session, guild_id, number)
            current = await session.get(Resolution, prediction.id)
            previous = Outcome(current.outcome) if current else None
            if (
                current is not None
                and previous is outcome
                and current.note == note
                and (current.evidence_url == evidence_url)
            ):
                raise Conflict(f"Prediction #{number} is already resolved as {outcome.label}.")
            booked: list[str] = []
            if current is not None:  # taken back and booked anew, then ranked once (below)
                booked = await ledger.book(
                    session,
                    guild_id,
                    prediction.id,
                    previous,
                    current.resolved_at,
                    sign=-1,
                    place=False,
                )
            else:
                current = Resolution(prediction_id=prediction.id, guild_id=guild_id)
                session.add(current)
            current.outcome = outcome.value
            current.resolved_at = now
            current.resolved_by = actor_id
            current.note = note
            current.evidence_url = evidence_url
            event = ResolutionEvent(
                prediction_id=prediction.id,
                guild_id=guild_id,
                actor_id=actor_id,
                at=now,
                old_outcome=previous.value if previous else None,
                new_outcome=outcome.value,
                note=note,
                evidence_url=evidence_url,
            )
            session.add(event)
            poll = await session.scalar(
                select(Poll).where(Poll.prediction_id == prediction.id, Poll.closed_at.is_(None))
            )
            if poll is not None:
                poll.closed_at = now
                poll.close_reason = "resolved"
                await seal_closed(session, [poll])
            await session.flush()
            booked += await ledger.book(
                session, guild_id, prediction.id, outcome, now, sign=1, place=False
            )
            await ledger.place_periods(session, guild_id, dict.fromkeys(booked))
            closed_disputes = await close_open(session, prediction.id, now)
            called = await _called_it(session, prediction.id, outcome)
            snapshot = await snapshot_of(session, prediction, history=True)
        log.info("guild %s resolved #%s: %s -> %s", guild_id, number, previous, outcome)
        return ResolutionReport(
            prediction=snapshot,
            previous=previous,
            closed_poll=poll_snapshot(poll, number) if poll is not None else None,
            points_by_choice=_points_by_choice(outcome),
            called_it=called,
            event_id=event.id,
            closed_disputes=closed_disputes,
        )

    async def unresolve(
        self, guild_id: int, number: int, *, actor_id: int | None = None, note: str | None = None
    ) -> ResolutionReport:
        """Remove a prediction's resolution so it can be polled and resolved again."""
        note = clean_text(note, "note", NOTE_MAX, required=False) if note else None
        async with self._db.write() as session:
            prediction = await find_prediction(session, guild_id, number)
            current = await session.get(Resolution, prediction.id)
            if current is None:
                raise Conflict(f"Prediction #{number} is not resolved.")
            previous = Outcome(current.outcome)
            await ledger.book(
                session, guild_id, prediction.id, previous, current.resolved_at, sign=-1
            )
            await session.delete(current)
            event = ResolutionEvent(
                prediction_id=prediction.id,
                guild_id=guild_id,
                actor_id=actor_id,
                at=self._clock.now(),
                old_outcome=previous.value,
                new_outcome=None,
                note=note,
            )
            session.add(event)
            await session.flush()
            closed_disputes = await close_open(session, prediction.id, event.at)
            snapshot = await snapshot_of(session, prediction, history=True)
        log.info("guild %s unresolved #%s (was %s)", guild_id, number, previous)
        return ResolutionReport(snapshot, previous, None, {}, (), event.id, closed_disputes)

    async def record_announcement(self, event_id: int, message_id: int) -> None:
        """Record the message announcing a resolution change (0: none is due any more)."""
        async with self._db.write() as session:
            event = await session.get(ResolutionEvent, event_id)
            if event is not None:
                event.announced_message_id = message_id

    async def announcements_due(self, scope: ShardScope = EVERYTHING) -> list[ResolutionReport]:
        """Return the recent changes (in the scope's guilds) never announced, rebuilt.

        Only a prediction's latest change is announced late; older ones it replaced are
        marked as no longer due.
        """
        since = self._clock.now() - ANNOUNCE_CATCH_UP
        reports: list[ResolutionReport] = []
        async with self._db.write() as session:
            pending = (
                await session.scalars(
                    select(ResolutionEvent)
                    .join(Prediction, Prediction.id == ResolutionEvent.prediction_id)
                    .where(
                        ResolutionEvent.announced_message_id.is_(None),
                        ResolutionEvent.at >= since,
                        owned(Prediction.guild_id, scope),
                    )
                    .order_by(ResolutionEvent.id)
                )
            ).all()
            for event in pending:
                latest = await session.scalar(
                    select(func.max(ResolutionEvent.id)).where(
                        ResolutionEvent.prediction_id == event.prediction_id
                    )
                )
                if event.id != latest:
                    event.announced_message_id = 0  # replaced by a later change
                    continue
                reports.append(await self._report_of(session, event))
        return reports

    async def _report_of(self, session: AsyncSession, event: ResolutionEvent) -> ResolutionReport:
        prediction = await session.get_one(Prediction, event.prediction_id)
        snapshot = await snapshot_of(session, prediction, history=True)
        previous = Outcome(event.old_outcome) if event.old_outcome else None
        if event.new_outcome is None:
            return ResolutionReport(snapshot, previous, None, {}, (), event.id)
        outcome = Outcome(event.new_outcome)
        poll = await session.scalar(
            select(Poll).where(
                Poll.prediction_id == prediction.id,
                Poll.close_reason == "resolved",
                Poll.closed_at == event.at,
            )
        )
        return ResolutionReport(
            prediction=snapshot,
            previous=previous,
            closed_poll=poll_snapshot(poll, prediction.number) if poll is not None else None,
            points_by_choice=_points_by_choice(outcome),
            called_it=await _called_it(session, prediction.id, outcome),
            event_id=event.id,
        )


async def _called_it(
    session: AsyncSession, prediction_id: int, outcome: Outcome
) -> tuple[int, ...]:
    """Return the members whose latest vote matched the outcome exactly."""
    target = outcome.choice
    if target is None:
        return ()
    latest = latest_votes(Vote.prediction_id == prediction_id).subquery()
    rows = await session.scalars(
        select(latest.c.member_id)
        .where(latest.c.choice == target.ordinal)
        .order_by(latest.c.member_id)
    )
    return tuple(rows)


def _points_by_choice(outcome: Outcome) -> dict[Choice, float]:
    return {c: p for c in Choice if (p := points(c, outcome)) is not None}


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        options = ", ".join(o.value for o in Outcome)
        raise InvalidInput(f"'{value}' is not an outcome: use one of {options}.") from None
