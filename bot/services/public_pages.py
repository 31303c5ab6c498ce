"""What the public web pages read beyond the boards: opt-in, open polls, sets, disputes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from bot.domain.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.outcomes import Choice, Outcome
from bot.services.shared_reads import (
    audit_entry,
    latest_votes,
    poll_snapshot,
    resolution_snapshot,
    snapshots_of,
)
from bot.snapshots.community import DisputeSnapshot
from bot.snapshots.guilds import SetRef
from bot.snapshots.predictions import PredictionSnapshot, Tally
from db.models import (
    Dispute,
    GuildSettings,
    LeaderboardPost,
    MemberName,
    Poll,
    Prediction,
    PredictionSet,
    Resolution,
    ResolutionEvent,
    Vote,
)
from db.session import Database

#: At most this many open polls are listed on a server's page (soonest deadline first).
OPEN_POLLS_SHOWN = 50

_GUILD = bindparam("guild")
_OPEN = (Poll.guild_id == _GUILD) & Poll.closed_at.is_(None)
#: Whether a server shows its pages, and beside it what they are drawn from: resolution changes,
#: edits, disputes, polls opened and closed, the time zone. One statement, one round trip.
_SHOWN = select(
    GuildSettings.web_enabled,
    GuildSettings.timezone,
    select(func.max(ResolutionEvent.id))
    .where(ResolutionEvent.guild_id == _GUILD)
    .scalar_subquery(),
    select(func.max(Prediction.updated_at)).where(Prediction.guild_id == _GUILD).scalar_subquery(),
    select(func.max(Dispute.id)).where(Dispute.guild_id == _GUILD).scalar_subquery(),
    # The open polls (their partial index): one opened or closed moves the count or the max.
    select(func.count(Poll.id)).where(_OPEN).scalar_subquery(),
    select(func.max(Poll.id)).where(_OPEN).scalar_subquery(),
).where(GuildSettings.guild_id == _GUILD)


@dataclass(frozen=True, slots=True)
class Shown:
    """A server whose pages are on, with the version of what its pages show."""

    guild_id: int
    #: Changes with every resolution, edit, dispute, poll opened or closed, time zone.
    version: tuple[object, ...]


class PublicPages:
    """Read what a server's public pages show, and whether the server shows them at all."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def shown(self, guild_id: int) -> Shown | None:
        """Return the server with its pages' version if its pages are on; None if off or unknown."""

        def read(connection: Connection) -> Shown | None:
            row = connection.execute(_SHOWN, {"guild": guild_id}).first()
            if row is None or not row[0]:
                return None
            return Shown(guild_id, tuple(str(value) for value in row[1:]))

        return await self._db.run_read(read)

    async def open_polls(self, guild_id: int) -> list[PredictionSnapshot]:
        """Return the predictions with an open poll, soonest deadline first."""
        async with self._db.read() as session:
            rows = (
                await session.scalars(
                    select(Prediction)
                    .join(Poll, Poll.prediction_id == Prediction.id)
                    .where(Poll.guild_id == guild_id, Poll.closed_at.is_(None))
                    .order_by(Poll.closes_at, Prediction.number)
                    .limit(OPEN_POLLS_SHOWN)
                )
            ).all()
            return await snapshots_of(session, rows)

    async def prediction(
        self, guild_id: int, number: int
    ) -> tuple[PredictionSnapshot, list[DisputeSnapshot], dict[int, str]]:
        """Return a prediction with its history, its open disputes and their members' names.

        One read-only unit of work (on SQLite in one hop to a reader thread); NotFound for a
        number the server has not.
        """
        found = await self._db.run_read(lambda c: _prediction(c, guild_id, number))
        if found is None:
            raise NotFound(f"There is no prediction #{number} here.")
        return found

    async def set_of(self, guild_id: int, set_id: int) -> SetRef | None:
        """Return one of the server's sets, None if the id is another server's or none."""
        async with self._db.read() as session:
            row = await session.get(PredictionSet, set_id)
        if row is None or row.guild_id != guild_id:
            return None
        return SetRef(row.id, row.name)

    async def latest_posted_month(self, guild_id: int) -> str | None:
        """Return the month ('YYYY-MM') of the server's latest monthly post, None before any."""
        async with self._db.read() as session:
            return await session.scalar(
                select(LeaderboardPost.month)
                .where(LeaderboardPost.guild_id == guild_id)
                .order_by(LeaderboardPost.month.desc())
                .limit(1)
            )


def _prediction(
    connection: Connection, guild_id: int, number: int
) -> tuple[PredictionSnapshot, list[DisputeSnapshot], dict[int, str]] | None:
    """Read a prediction's page in one unit of work, as snapshot_of(history=True) builds it."""
    with Session(bind=connection) as session:
        row = session.scalar(
            select(Prediction).where(Prediction.guild_id == guild_id, Prediction.number == number)
        )
        if row is None:
            return None
        poll = session.scalar(
            select(Poll).where(Poll.prediction_id == row.id).order_by(Poll.id.desc()).limit(1)
        )
        resolution = session.get(Resolution, row.id)
        events = session.scalars(
            select(ResolutionEvent)
            .where(ResolutionEvent.prediction_id == row.id)
            .order_by(ResolutionEvent.id)
        )
        history = tuple(audit_entry(e) for e in events)
        set_name = (
            session.scalar(select(PredictionSet.name).where(PredictionSet.id == row.set_id))
            if row.set_id is not None
            else None
        )
        shown = PredictionSnapshot(
            id=row.id,
            guild_id=row.guild_id,
            number=row.number,
            title=row.title,
            statement=row.statement,
            source=row.source,
            made_on=row.made_on,
            due=row.due,
            criteria=row.criteria,
            archived=row.archived,
            tally=_tally(session, row.id),
            poll=poll_snapshot(poll, row.number) if poll is not None else None,
            resolution=resolution_snapshot(resolution) if resolution is not None else None,
            history=history,
            set_name=set_name,
        )
        disputes = [
            DisputeSnapshot(
                d.id, number, row.title, Outcome(d.outcome), d.member_id, d.reason, d.at
            )
            for d in session.scalars(
                select(Dispute)
                .where(Dispute.prediction_id == row.id, Dispute.closed_at.is_(None))
                .order_by(Dispute.id)
            )
        ]
        names: dict[int, str] = {}
        if disputes:
            names = {
                member: name
                for member, name in session.execute(
                    select(MemberName.member_id, MemberName.name).where(
                        MemberName.guild_id == guild_id,
                        MemberName.member_id.in_({d.member_id for d in disputes}),
                    )
                )
            }
    return shown, disputes, names


def _tally(session: Session, prediction_id: int) -> Tally:
    """Count each member's latest vote on one prediction (shared_reads.tallies, for one)."""
    polls = session.scalar(select(func.count()).where(Poll.prediction_id == prediction_id)) or 0
    if polls > 1:
        latest = latest_votes(Vote.prediction_id == prediction_id).subquery()
        query = select(latest.c.choice, func.count()).group_by(latest.c.choice)
    else:
        query = (
            select(Vote.choice, func.count())
            .where(Vote.prediction_id == prediction_id)
            .group_by(Vote.choice)
        )
    counts = {Choice.from_ordinal(choice).value: n for choice, n in session.execute(query)}
    return Tally(**counts)
