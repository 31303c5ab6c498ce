"""Shared reads: latest votes, tallies and prediction snapshots (used inside services' sessions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ballots import BallotStyle, parse_ballot_style
from bot.domain.errors import NotFound
from bot.domain.outcomes import Choice, Outcome
from bot.snapshots.predictions import (
    AuditEntry,
    PollSnapshot,
    PredictionSnapshot,
    ResolutionSnapshot,
    Tally,
    shown_tally,
)
from db.models import Poll, Prediction, PredictionSet, Resolution, ResolutionEvent, Vote


def latest_votes(where: ColumnElement[bool]) -> Select[tuple[int, int, int]]:
    """Select each member's latest vote (prediction_id, member_id, choice) on matching predictions.

    A member's latest vote on a prediction is the one in the newest poll they voted in: only one
    poll is open at a time and votes are taken only while it is open. The check walks the
    prediction's later polls (few) and the votes' primary key; callers skip it entirely for
    predictions that had a single poll (see split_by_polls), which is nearly all of them.
    """
    later = Poll.__table__.alias("later_poll")
    newer = Vote.__table__.alias("newer_vote")
    superseded = (
        select(newer.c.poll_id)
        .select_from(later.join(newer, newer.c.poll_id == later.c.id))
        .where(
            later.c.prediction_id == Vote.prediction_id,
            later.c.id > Vote.poll_id,
            newer.c.member_id == Vote.member_id,
        )
        .exists()
    )
    return select(Vote.prediction_id, Vote.member_id, Vote.choice).where(where, ~superseded)


async def split_by_polls(session: AsyncSession, ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Split predictions into those with at most one poll and those with several."""
    ids = list(ids)
    if not ids:
        return [], []
    multi = set(
        await session.scalars(
            select(Poll.prediction_id)
            .where(Poll.prediction_id.in_(ids))
            .group_by(Poll.prediction_id)
            .having(func.count() > 1)
        )
    )
    return [i for i in ids if i not in multi], [i for i in ids if i in multi]


async def tallies(session: AsyncSession, prediction_ids: Iterable[int]) -> dict[int, Tally]:
    """Return the tally of each member's latest vote for each prediction."""
    single, multi = await split_by_polls(session, prediction_ids)
    counts: dict[int, dict[str, int]] = {pid: {} for pid in (*single, *multi)}
    queries = []
    if single:
        queries.append(
            select(Vote.prediction_id, Vote.choice, func.count())
            .where(Vote.prediction_id.in_(single))
            .group_by(Vote.prediction_id, Vote.choice)
        )
    if multi:
        latest = latest_votes(Vote.prediction_id.in_(multi)).subquery()
        queries.append(
            select(latest.c.prediction_id, latest.c.choice, func.count()).group_by(
                latest.c.prediction_id, latest.c.choice
            )
        )
    for query in queries:
        for prediction_id, choice, count in await session.execute(query):
            counts[prediction_id][Choice.from_ordinal(choice).value] = count
    return {pid: Tally(**c) for pid, c in counts.items()}


async def sealed_open(session: AsyncSession, prediction_ids: Iterable[int]) -> set[int]:
    """Return the predictions whose latest poll is sealed and still open (tally hidden)."""
    ids = list(prediction_ids)
    if not ids:
        return set()
    latest = (
        select(func.max(Poll.id)).where(Poll.prediction_id.in_(ids)).group_by(Poll.prediction_id)
    )
    return set(
        await session.scalars(
            select(Poll.prediction_id).where(
                Poll.id.in_(latest),
                Poll.ballot_style == BallotStyle.SEALED.value,
                Poll.closed_at.is_(None),
            )
        )
    )


async def shown_tallies(session: AsyncSession, prediction_ids: Iterable[int]) -> dict[int, Tally]:
    """Return the tallies as anyone may see them: a count only where a sealed poll is open.

    Everything shown to people reads this (or a snapshot); `tallies` is for scoring.
    """
    ids = list(prediction_ids)
    counts = await tallies(session, ids)
    for prediction_id in await sealed_open(session, ids):
        counts[prediction_id] = counts[prediction_id].sealed_view()
    return counts


async def find_prediction(session: AsyncSession, guild_id: int, number: int) -> Prediction:
    """Return a guild's prediction by number or raise NotFound."""
    row = await session.scalar(
        select(Prediction).where(Prediction.guild_id == guild_id, Prediction.number == number)
    )
    if row is None:
        raise NotFound(f"There is no prediction #{number} here. Try /prediction list.")
    return row


async def snapshots_of(
    session: AsyncSession, predictions: Sequence[Prediction], *, history: bool = False
) -> list[PredictionSnapshot]:
    """Build snapshots (tally, latest poll, resolution) for predictions in few queries."""
    ids = [p.id for p in predictions]
    if not ids:
        return []
    tally = await tallies(session, ids)
    latest_poll_ids = (
        select(func.max(Poll.id)).where(Poll.prediction_id.in_(ids)).group_by(Poll.prediction_id)
    )
    polls = {
        p.prediction_id: p
        for p in await session.scalars(select(Poll).where(Poll.id.in_(latest_poll_ids)))
    }
    resolutions = {
        r.prediction_id: r
        for r in await session.scalars(select(Resolution).where(Resolution.prediction_id.in_(ids)))
    }
    audit: dict[int, list[AuditEntry]] = {}
    if history:
        events = await session.scalars(
            select(ResolutionEvent)
            .where(ResolutionEvent.prediction_id.in_(ids))
            .order_by(ResolutionEvent.id)
        )
        for event in events:
            audit.setdefault(event.prediction_id, []).append(audit_entry(event))
    numbers = {p.id: p.number for p in predictions}
    set_ids = {p.set_id for p in predictions if p.set_id is not None}
    set_names = (
        dict(
            (
                await session.execute(
                    select(PredictionSet.id, PredictionSet.name).where(
                        PredictionSet.id.in_(set_ids)
                    )
                )
            ).all()
        )
        if set_ids
        else {}
    )
    shown_poll = {pid: poll_snapshot(poll, numbers[pid]) for pid, poll in polls.items()}
    return [
        PredictionSnapshot(
            id=p.id,
            guild_id=p.guild_id,
            number=p.number,
            title=p.title,
            statement=p.statement,
            source=p.source,
            made_on=p.made_on,
            due=p.due,
            criteria=p.criteria,
            archived=p.archived,
            tally=shown_tally(tally.get(p.id, Tally()), shown_poll.get(p.id)),
            poll=shown_poll.get(p.id),
            resolution=resolution_snapshot(resolutions[p.id]) if p.id in resolutions else None,
            history=tuple(audit.get(p.id, ())),
            set_name=set_names.get(p.set_id) if p.set_id is not None else None,
        )
        for p in predictions
    ]


async def snapshot_of(
    session: AsyncSession, prediction: Prediction, *, history: bool = False
) -> PredictionSnapshot:
    """Build one prediction's snapshot."""
    return (await snapshots_of(session, [prediction], history=history))[0]


def poll_snapshot(poll: Poll, number: int) -> PollSnapshot:
    """Turn a poll row into a snapshot."""
    return PollSnapshot(
        id=poll.id,
        prediction_id=poll.prediction_id,
        guild_id=poll.guild_id,
        number=number,
        channel_id=poll.channel_id,
        message_id=poll.message_id,
        opened_at=poll.opened_at,
        closes_at=poll.closes_at,
        closed_at=poll.closed_at,
        close_reason=poll.close_reason,
        thread_id=poll.thread_id,
        ballot=parse_ballot_style(poll.ballot_style),
        sealed_root=poll.sealed_root,
        sealed_count=poll.sealed_count,
    )


def resolution_snapshot(row: Resolution) -> ResolutionSnapshot:
    """Turn a resolution row into a snapshot."""
    return ResolutionSnapshot(
        outcome=Outcome(row.outcome),
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        note=row.note,
        evidence_url=row.evidence_url,
    )


def audit_entry(event: ResolutionEvent) -> AuditEntry:
    """Turn an audit row into an entry."""
    return AuditEntry(
        at=event.at,
        actor_id=event.actor_id,
        old=Outcome(event.old_outcome) if event.old_outcome else None,
        new=Outcome(event.new_outcome) if event.new_outcome else None,
        note=event.note,
        evidence_url=event.evidence_url,
    )
