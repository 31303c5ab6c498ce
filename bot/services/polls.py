"""Polls: open, attach the posted message, close (early, at the deadline, on resolution)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ballots import BallotStyle, parse_ballot_style
from bot.domain.clock import Clock
from bot.domain.errors import Conflict, NotFound
from bot.domain.lifecycle import RESULT_CATCH_UP, RESULT_REASONS, check_can_poll, poll_deadline
from bot.domain.shards import ShardScope
from bot.services.receipts import seal_closed
from bot.services.scoping import EVERYTHING, owned
from bot.services.shared_reads import find_prediction, poll_snapshot, snapshot_of
from bot.snapshots.predictions import ClosedPoll, OpenPollRef, PollSnapshot, PredictionSnapshot
from db.models import Poll, Prediction, Resolution
from db.session import Database

log = logging.getLogger(__name__)


class PollService:
    """Run the lifecycle of polls."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def open(
        self,
        guild_id: int,
        number: int,
        *,
        channel_id: int,
        hours: int | None = None,
        opened_by: int | None = None,
        ballot: BallotStyle = BallotStyle.REACTIONS,
    ) -> tuple[PollSnapshot, PredictionSnapshot]:
        """Open a poll on a prediction; the caller posts the message and attaches its id."""
        now = self._clock.now()
        closes_at = poll_deadline(now, hours)
        async with self._db.write() as session:
            prediction = await find_prediction(session, guild_id, number)
            await _check_can_poll(session, prediction)
            poll = Poll(
                prediction_id=prediction.id,
                guild_id=guild_id,
                channel_id=channel_id,
                opened_by=opened_by,
                opened_at=now,
                closes_at=closes_at,
                ballot_style=ballot.value,
            )
            session.add(poll)
            await session.flush()
            log.info("guild %s opened poll %s on #%s", guild_id, poll.id, number)
            return poll_snapshot(poll, number), await snapshot_of(session, prediction)

    async def pollable(self, guild_id: int) -> list[int]:
        """Return the numbers of predictions that can be polled now (open-all)."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(Prediction.number)
                .where(
                    Prediction.guild_id == guild_id,
                    Prediction.archived.is_(False),
                    ~select(Resolution.prediction_id)
                    .where(Resolution.prediction_id == Prediction.id)
                    .exists(),
                    ~select(Poll.id)
                    .where(Poll.prediction_id == Prediction.id, Poll.closed_at.is_(None))
                    .exists(),
                )
                .order_by(Prediction.number)
            )
            return list(rows)

    async def attach_message(self, poll_id: int, message_id: int) -> PollSnapshot:
        """Record the id of the posted poll message: from now on its reactions are votes."""
        async with self._db.write() as session:
            poll = await _get_poll(session, poll_id)
            poll.message_id = message_id
            await session.flush()
            number = await _number_of(session, poll.prediction_id)
            return poll_snapshot(poll, number)

    async def attach_thread(self, poll_id: int, thread_id: int) -> None:
        """Record the discussion thread started on a poll's message."""
        async with self._db.write() as session:
            poll = await _get_poll(session, poll_id)
            poll.thread_id = thread_id

    async def discard(self, poll_id: int) -> None:
        """Remove a poll whose message could not be posted (it never took a vote)."""
        async with self._db.write() as session:
            poll = await _get_poll(session, poll_id)
            if poll.message_id is not None:
                raise Conflict("This poll's message was posted; close it instead.")
            await session.delete(poll)

    async def close(self, guild_id: int, number: int, *, reason: str = "closed") -> ClosedPoll:
        """Close a prediction's open poll early."""
        async with self._db.write() as session:
            prediction = await find_prediction(session, guild_id, number)
            poll = await session.scalar(
                select(Poll).where(Poll.prediction_id == prediction.id, Poll.closed_at.is_(None))
            )
            if poll is None:
                raise Conflict(f"Prediction #{number} has no open poll.")
            poll.closed_at = self._clock.now()
            poll.close_reason = reason
            await seal_closed(session, [poll])
            await session.flush()
            return ClosedPoll(poll_snapshot(poll, number), await snapshot_of(session, prediction))

    async def close_gone(self, poll_id: int) -> ClosedPoll | None:
        """Close an open poll whose message was deleted; its recorded votes stand."""
        async with self._db.write() as session:
            poll = await session.get(Poll, poll_id)
            if poll is None or poll.closed_at is not None:
                return None
            poll.closed_at = self._clock.now()
            poll.close_reason = "message deleted"
            await seal_closed(session, [poll])
            await session.flush()
            prediction = await session.get_one(Prediction, poll.prediction_id)
            return ClosedPoll(
                poll_snapshot(poll, prediction.number), await snapshot_of(session, prediction)
            )

    async def close_in_channel(self, guild_id: int, channel_id: int) -> list[ClosedPoll]:
        """Close every open poll in a deleted channel; their recorded votes stand."""
        async with self._db.write() as session:
            closed = await _close_in_channel(session, guild_id, channel_id, self._clock.now())
            result = [
                ClosedPoll(
                    poll_snapshot(poll, prediction.number), await snapshot_of(session, prediction)
                )
                for poll, prediction in closed
            ]
        if result:
            log.info("closed %d poll(s) in deleted channel %s", len(result), channel_id)
        return result

    async def open_ref(self, guild_id: int, number: int) -> OpenPollRef:
        """Return a prediction's open, posted poll (or say it has none)."""
        async with self._db.read() as session:
            prediction = await find_prediction(session, guild_id, number)
            poll = await session.scalar(
                select(Poll).where(
                    Poll.prediction_id == prediction.id,
                    Poll.closed_at.is_(None),
                    Poll.message_id.is_not(None),
                )
            )
        if poll is None:
            raise Conflict(f"Prediction #{number} has no open poll.")
        return OpenPollRef(
            poll.id,
            poll.guild_id,
            poll.channel_id,
            poll.message_id or 0,
            poll.closes_at,
            number,
            parse_ballot_style(poll.ballot_style),
        )

    async def close_due(self, scope: ShardScope = EVERYTHING) -> list[ClosedPoll]:
        """Close every open poll (of the scope's guilds) whose deadline passed, in one transaction."""
        now = self._clock.now()
        closed: list[ClosedPoll] = []
        async with self._db.write() as session:
            due = (
                await session.scalars(
                    select(Poll).where(
                        Poll.closed_at.is_(None),
                        Poll.closes_at <= now,
                        owned(Poll.guild_id, scope),
                    )
                )
            ).all()
            for poll in due:
                poll.closed_at = poll.closes_at
                poll.close_reason = "deadline"
            await seal_closed(session, due)
            await session.flush()
            for poll in due:
                prediction = await session.get_one(Prediction, poll.prediction_id)
                closed.append(
                    ClosedPoll(
                        poll_snapshot(poll, prediction.number),
                        await snapshot_of(session, prediction),
                    )
                )
        if closed:
            log.info("closed %d poll(s) at their deadline", len(closed))
        return closed

    async def record_result(self, poll_id: int, message_id: int) -> None:
        """Record a poll's result post (0: none is due any more)."""
        async with self._db.write() as session:
            poll = await _get_poll(session, poll_id)
            poll.result_message_id = message_id

    async def results_due(self, scope: ShardScope = EVERYTHING) -> list[ClosedPoll]:
        """Return recently closed polls (of the scope's guilds) whose result post is unrecorded."""
        since = self._clock.now() - RESULT_CATCH_UP
        async with self._db.read() as session:
            rows = (
                await session.execute(
                    select(Poll, Prediction)
                    .join(Prediction, Prediction.id == Poll.prediction_id)
                    .where(
                        Poll.result_message_id.is_(None),
                        Poll.message_id.is_not(None),
                        Poll.close_reason.in_(RESULT_REASONS),
                        Poll.closed_at >= since,
                        owned(Poll.guild_id, scope),
                    )
                    .order_by(Poll.id)
                )
            ).all()
            return [
                ClosedPoll(
                    poll_snapshot(poll, prediction.number), await snapshot_of(session, prediction)
                )
                for poll, prediction in rows
            ]

    async def next_deadline(self) -> datetime | None:
        """Return the earliest deadline of an open poll."""
        from sqlalchemy import func

        async with self._db.read() as session:
            return await session.scalar(
                select(func.min(Poll.closes_at)).where(Poll.closed_at.is_(None))
            )

    async def open_refs(
        self, guild_id: int | None = None, scope: ShardScope = EVERYTHING
    ) -> list[OpenPollRef]:
        """Return every open poll (of a guild, or of the scope's guilds) with a posted message."""
        statement = (
            select(Poll, Prediction.number)
            .join(Prediction, Prediction.id == Poll.prediction_id)
            .where(
                Poll.closed_at.is_(None), Poll.message_id.is_not(None), owned(Poll.guild_id, scope)
            )
        )
        if guild_id is not None:
            statement = statement.where(Poll.guild_id == guild_id)
        async with self._db.read() as session:
            return [
                OpenPollRef(
                    p.id,
                    p.guild_id,
                    p.channel_id,
                    p.message_id or 0,
                    p.closes_at,
                    n,
                    parse_ballot_style(p.ballot_style),
                )
                for p, n in await session.execute(statement)
            ]

    async def unposted(self, scope: ShardScope = EVERYTHING) -> list[PollSnapshot]:
        """Return open polls (of the scope's guilds) whose message was never recorded."""
        async with self._db.read() as session:
            rows = (
                await session.execute(
                    select(Poll, Prediction.number)
                    .join(Prediction, Prediction.id == Poll.prediction_id)
                    .where(
                        Poll.closed_at.is_(None),
                        Poll.message_id.is_(None),
                        owned(Poll.guild_id, scope),
                    )
                )
            ).all()
            return [poll_snapshot(poll, number) for poll, number in rows]

    async def by_message(self, message_id: int) -> PollSnapshot | None:
        """Return the poll posted as this message, if any."""
        async with self._db.read() as session:
            poll = await session.scalar(select(Poll).where(Poll.message_id == message_id))
            if poll is None:
                return None
            return poll_snapshot(poll, await _number_of(session, poll.prediction_id))


async def _check_can_poll(session: AsyncSession, prediction: Prediction) -> None:
    resolved = await session.get(Resolution, prediction.id) is not None
    open_poll = await session.scalar(
        select(Poll.id).where(Poll.prediction_id == prediction.id, Poll.closed_at.is_(None))
    )
    check_can_poll(
        number=prediction.number,
        archived=prediction.archived,
        resolved=resolved,
        has_open_poll=open_poll is not None,
    )


async def _get_poll(session: AsyncSession, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise NotFound(f"Poll {poll_id} does not exist.")
    return poll


async def _number_of(session: AsyncSession, prediction_id: int) -> int:
    return (await session.get_one(Prediction, prediction_id)).number


async def _close_in_channel(
    session: AsyncSession, guild_id: int, channel_id: int, now: datetime
) -> list[tuple[Poll, Prediction]]:
    polls = (
        await session.scalars(
            select(Poll).where(
                Poll.guild_id == guild_id, Poll.channel_id == channel_id, Poll.closed_at.is_(None)
            )
        )
    ).all()
    closed = []
    for poll in polls:
        poll.closed_at = now
        poll.close_reason = "channel deleted"
        closed.append((poll, await session.get_one(Prediction, poll.prediction_id)))
    await seal_closed(session, polls)
    await session.flush()
    return closed
