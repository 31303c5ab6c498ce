"""What the public web pages read beyond the boards: opt-in, open polls, sets, disputes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

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


_PREDICTION = bindparam("prediction")
_POLL = Poll.__table__.alias("latest_poll")
_RESOLVED = Resolution.__table__.alias("resolved")
# Built once: a first view sends these, and building a select costs more than running it.
#: The prediction with its set's name, how many polls it had, its latest poll and its
#: resolution: one row, one round trip.
_ROW = (
    select(
        Prediction.__table__,
        PredictionSet.name.label("set_name"),
        select(func.count(Poll.id))
        .where(Poll.prediction_id == Prediction.id)
        .scalar_subquery()
        .label("polls"),
        *(c.label(f"poll_{c.name}") for c in _POLL.c),
        *(c.label(f"resolution_{c.name}") for c in _RESOLVED.c),
    )
    .outerjoin(PredictionSet, PredictionSet.id == Prediction.set_id)
    .outerjoin(
        _POLL,
        _POLL.c.id
        == select(func.max(Poll.id)).where(Poll.prediction_id == Prediction.id).scalar_subquery(),
    )
    .outerjoin(_RESOLVED, _RESOLVED.c.prediction_id == Prediction.id)
    .where(Prediction.guild_id == _GUILD, Prediction.number == bindparam("number"))
)
_EVENTS = (
    select(ResolutionEvent.__table__)
    .where(ResolutionEvent.prediction_id == _PREDICTION)
    .order_by(ResolutionEvent.id)
)
_SPLIT = (
    select(Vote.choice, func.count()).where(Vote.prediction_id == _PREDICTION).group_by(Vote.choice)
)
_LATEST = latest_votes(Vote.prediction_id == _PREDICTION).subquery()
_SPLIT_OF_LATEST = select(_LATEST.c.choice, func.count()).group_by(_LATEST.c.choice)
_DISPUTES = (
    select(Dispute.__table__, MemberName.name)
    .outerjoin(
        MemberName,
        (MemberName.guild_id == Dispute.guild_id) & (MemberName.member_id == Dispute.member_id),
    )
    .where(Dispute.prediction_id == _PREDICTION, Dispute.closed_at.is_(None))
    .order_by(Dispute.id)
)


def _prediction(
    connection: Connection, guild_id: int, number: int
) -> tuple[PredictionSnapshot, list[DisputeSnapshot], dict[int, str]] | None:
    """Read a prediction's page in one unit of work, as snapshot_of(history=True) builds it.

    The rows are read with the tables' own columns, so shared_reads turns them into snapshots
    as it turns the ORM's objects (tests/web holds the two reads equal).
    """
    row = connection.execute(_ROW, {"guild": guild_id, "number": number}).first()
    if row is None:
        return None
    this = {"prediction": row.id}
    poll = _part(row, "poll_", _POLL.c.keys())
    resolution = _part(row, "resolution_", _RESOLVED.c.keys())
    history = tuple(audit_entry(e) for e in connection.execute(_EVENTS, this))  # type: ignore[arg-type]
    split = _SPLIT_OF_LATEST if row.polls > 1 else _SPLIT
    counts = {Choice.from_ordinal(c).value: n for c, n in connection.execute(split, this)}
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
        tally=Tally(**counts),
        poll=poll_snapshot(poll, row.number) if poll is not None else None,  # type: ignore[arg-type]
        resolution=resolution_snapshot(resolution) if resolution is not None else None,  # type: ignore[arg-type]
        history=history,
        set_name=row.set_name,
    )
    disputes: list[DisputeSnapshot] = []
    names: dict[int, str] = {}
    for d in connection.execute(_DISPUTES, this):
        disputes.append(
            DisputeSnapshot(
                d.id, number, row.title, Outcome(d.outcome), d.member_id, d.reason, d.at
            )
        )
        if d.name is not None:
            names[d.member_id] = d.name
    return shown, disputes, names


def _part(row: Any, prefix: str, columns: Iterable[str]) -> SimpleNamespace | None:
    """Return the columns of one joined table (None when the outer join found no row)."""
    part = {name: getattr(row, prefix + name) for name in columns}
    return None if part.get("id", part.get("prediction_id")) is None else SimpleNamespace(**part)
