"""Prediction sets: the shipped list, each imported file's set, and "Added here"."""

from __future__ import annotations

import logging

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput
from bot.snapshots.guilds import SetRef, SetSnapshot
from db.models import Poll, Prediction, PredictionSet, Resolution
from db.session import Database

log = logging.getLogger(__name__)

#: The set /prediction add files predictions under unless told otherwise.
ADDED_KEY = "added-here"
ADDED_NAME = "Added here"
ADDED_SOURCE = "this server"


class SetService:
    """List and find a guild's prediction sets."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def list(self, guild_id: int) -> tuple[SetSnapshot, ...]:
        """Return the guild's sets in the order they arrived, with their counts."""
        live = Prediction.archived.is_(False)
        resolved = select(Resolution.prediction_id).scalar_subquery()
        open_polls = (
            select(func.count(Poll.id))
            .join(Prediction, Prediction.id == Poll.prediction_id)
            .where(Prediction.set_id == PredictionSet.id, Poll.closed_at.is_(None))
            .scalar_subquery()
        )
        statement = (
            select(
                PredictionSet,
                func.count(Prediction.id).filter(live),
                func.count(Prediction.id).filter(live & Prediction.id.in_(resolved)),
                open_polls,
            )
            .outerjoin(Prediction, Prediction.set_id == PredictionSet.id)
            .where(PredictionSet.guild_id == guild_id)
            .group_by(PredictionSet.id)
            .order_by(PredictionSet.id)
        )
        async with self._db.read() as session:
            rows = (await session.execute(statement)).all()
        return tuple(
            SetSnapshot(s.id, s.key, s.name, s.source, count, done, polls or 0)
            for s, count, done, polls in rows
        )

    async def search(self, guild_id: int, query: str, *, limit: int = 25) -> list[str]:
        """Return names of sets matching what was typed (for autocomplete)."""
        text = query.strip()
        statement = select(PredictionSet.name).where(PredictionSet.guild_id == guild_id)
        if text:
            like = f"%{_escape_like(text)}%"
            statement = statement.where(
                or_(PredictionSet.name.ilike(like, escape="\\"), PredictionSet.key == text)
            )
        exact = case((func.lower(PredictionSet.name) == text.lower(), 0), else_=1)
        async with self._db.read() as session:
            names = await session.scalars(statement.order_by(exact, PredictionSet.id).limit(limit))
            return list(names)

    async def find(self, guild_id: int, name: str) -> SetRef:
        """Return the set a member named, or refuse an unknown one."""
        async with self._db.read() as session:
            found = await find_set(session, guild_id, name)
            return SetRef(found.id, found.name)


async def find_set(session: AsyncSession, guild_id: int, name: str) -> PredictionSet:
    """Return the guild's set by name (any case) or key, or raise InvalidInput."""
    text = name.strip()
    found = await session.scalar(
        select(PredictionSet)
        .where(
            PredictionSet.guild_id == guild_id,
            or_(func.lower(PredictionSet.name) == text.lower(), PredictionSet.key == text),
        )
        .order_by(PredictionSet.id)
        .limit(1)
    )
    if found is None:
        shown = text[:60] + ("…" if len(text) > 60 else "")
        raise InvalidInput(
            f"There is no set named '{shown}' here. Pick one from the list; "
            "/prediction sets shows them all."
        )
    return found


async def ensure_set(
    session: AsyncSession, guild_id: int, key: str, name: str, source: str
) -> PredictionSet:
    """Return the guild's set with this key, made (or renamed) to match."""
    found = await session.scalar(
        select(PredictionSet).where(PredictionSet.guild_id == guild_id, PredictionSet.key == key)
    )
    if found is None:
        found = PredictionSet(guild_id=guild_id, key=key, name=name[:100], source=source[:100])
        session.add(found)
        await session.flush()
        log.info("guild %s has a new set %s", guild_id, key)
    elif (found.name, found.source) != (name[:100], source[:100]):
        found.name, found.source = name[:100], source[:100]
    return found


async def added_here(session: AsyncSession, guild_id: int) -> PredictionSet:
    """Return the guild's "Added here" set, made on first use."""
    found = await session.scalar(
        select(PredictionSet).where(
            PredictionSet.guild_id == guild_id, PredictionSet.key == ADDED_KEY
        )
    )
    return found or await ensure_set(session, guild_id, ADDED_KEY, ADDED_NAME, ADDED_SOURCE)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
