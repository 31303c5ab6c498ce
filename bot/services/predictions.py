"""Predictions: add, edit, archive, list, find, and load seed sets."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.edits import PredictionEdit
from bot.domain.errors import InvalidInput
from bot.domain.inputs import (
    CRITERIA_MAX,
    SOURCE_MAX,
    STATEMENT_MAX,
    TITLE_MAX,
    check_dates,
    clean_text,
    prediction_number,
)
from bot.domain.seedfile import SeedSet
from bot.services.bulk_seed import seed_fields, seed_new_guilds
from bot.services.guilds import ensure
from bot.services.receipts import seal_closed
from bot.services.sets import added_here, ensure_set, find_set
from bot.services.shared_reads import find_prediction, snapshot_of, snapshots_of
from bot.snapshots.predictions import Page, PredictionSnapshot, SeedReport
from db.models import GuildSettings, Poll, Prediction, Resolution
from db.session import Database

log = logging.getLogger(__name__)

#: Guild ids per query when checking which guilds were seeded (well under any bind limit).
SEEDED_CHUNK = 500

STATUSES = ("all", "open", "polling", "resolved", "unresolved", "archived")
PAGE_SIZE = 10
DEFAULT_SOURCE = "community"


class PredictionService:
    """Manage a guild's predictions."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def add(
        self,
        guild_id: int,
        *,
        title: str,
        statement: str,
        source: str | None = None,
        made_on: date | None = None,
        due: date | None = None,
        criteria: str | None = None,
        set_name: str | None = None,
    ) -> PredictionSnapshot:
        """Add a prediction with the next number of the guild, to a named set or "Added here"."""
        now = self._clock.now()
        made = made_on or now.date()
        due_on = due or date(made.year, 12, 31)
        fields = _clean(title, statement, source or DEFAULT_SOURCE, criteria, made, due_on)
        async with self._db.write() as session:
            await ensure(session, guild_id, self._clock)
            home = (
                await find_set(session, guild_id, set_name)
                if set_name
                else await added_here(session, guild_id)
            )
            prediction = Prediction(
                guild_id=guild_id,
                set_id=home.id,
                number=await _next_number(session, guild_id),
                created_at=now,
                updated_at=now,
                archived=False,
                **fields,
            )
            session.add(prediction)
            await session.flush()
            log.info("guild %s added prediction #%s", guild_id, prediction.number)
            return await snapshot_of(session, prediction)

    async def edit(self, guild_id: int, number: int, changes: PredictionEdit) -> PredictionSnapshot:
        """Change a prediction's texts or dates; votes are kept."""
        if changes.empty:
            raise InvalidInput("Nothing to change: give at least one field to edit.")
        async with self._db.write() as session:
            row = await find_prediction(session, guild_id, number)
            fields = _clean(
                row.title if changes.title is None else changes.title,
                row.statement if changes.statement is None else changes.statement,
                row.source if changes.source is None else changes.source,
                row.criteria if changes.criteria is None else changes.criteria,
                row.made_on if changes.made_on is None else changes.made_on,
                row.due if changes.due is None else changes.due,
            )
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = self._clock.now()
            await session.flush()
            return await snapshot_of(session, row)

    async def archive(self, guild_id: int, number: int) -> PredictionSnapshot:
        """Archive a prediction: hidden from lists, kept in history and boards; closes its poll."""
        async with self._db.write() as session:
            row = await find_prediction(session, guild_id, number)
            if row.archived:
                raise InvalidInput(f"Prediction #{number} is already archived.")
            row.archived = True
            row.updated_at = self._clock.now()
            open_poll = await session.scalar(
                select(Poll).where(Poll.prediction_id == row.id, Poll.closed_at.is_(None))
            )
            if open_poll is not None:
                open_poll.closed_at = self._clock.now()
                open_poll.close_reason = "archived"
                await seal_closed(session, [open_poll])
            await session.flush()
            return await snapshot_of(session, row)

    async def get(self, guild_id: int, number: int) -> PredictionSnapshot:
        """Return one prediction with tally, poll, resolution and audit history."""
        async with self._db.read() as session:
            row = await find_prediction(session, guild_id, number)
            return await snapshot_of(session, row, history=True)

    async def list(self, guild_id: int, status: str = "all", page: int = 1) -> Page:
        """Return one page (10 a page) of a guild's predictions filtered by status."""
        if status not in STATUSES:
            raise InvalidInput(f"Unknown status '{status}': use one of {', '.join(STATUSES)}.")
        condition = _status_filter(status)
        async with self._db.read() as session:
            base = select(Prediction).where(Prediction.guild_id == guild_id, condition)
            total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
            pages = max(1, math.ceil(total / PAGE_SIZE))
            page = min(max(1, page), pages)
            rows = (
                await session.scalars(
                    base.order_by(Prediction.number).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
                )
            ).all()
            return Page(tuple(await snapshots_of(session, rows)), page, pages, total)

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[tuple[int, str]]:
        """Find predictions by number or title words, best matches first (for autocomplete)."""
        text = query.strip().lstrip("#")
        number = prediction_number(text)
        conditions = [Prediction.guild_id == guild_id]
        if not include_archived:
            conditions.append(Prediction.archived.is_(False))
        statement = select(Prediction.number, Prediction.title).where(*conditions)
        if text:
            like = f"%{_escape_like(text)}%"
            matches = [Prediction.title.ilike(like, escape="\\")]
            if number is not None:
                matches.append(Prediction.number == number)
            statement = statement.where(or_(*matches))
        async with self._db.read() as session:
            rows = [(n, t) for n, t in await session.execute(statement.order_by(Prediction.number))]
        if number is not None:
            rows.sort(key=lambda r: (r[0] != number, r[0]))
        return rows[:limit]

    async def load_seed(self, guild_id: int, seed: SeedSet) -> SeedReport:
        """Load a seed set idempotently: new items added, changed texts updated, votes kept."""
        now = self._clock.now()
        added = updated = unchanged = 0
        async with self._db.write() as session:
            settings = await ensure(session, guild_id, self._clock)
            home = await ensure_set(session, guild_id, seed.key, seed.name, seed.source)
            keys = [seed.seed_key(item) for item in seed.predictions]
            existing = {
                p.seed_key: p
                for p in await session.scalars(
                    select(Prediction).where(
                        Prediction.guild_id == guild_id, Prediction.seed_key.in_(keys)
                    )
                )
            }
            number = await _next_number(session, guild_id)
            for item in seed.predictions:
                fields = seed_fields(item, home.id)
                row = existing.get(seed.seed_key(item))
                if row is None:
                    session.add(
                        Prediction(
                            guild_id=guild_id,
                            number=number,
                            seed_key=seed.seed_key(item),
                            archived=False,
                            created_at=now,
                            updated_at=now,
                            **fields,
                        )
                    )
                    number += 1
                    added += 1
                elif any(getattr(row, k) != v for k, v in fields.items()):
                    for key, value in fields.items():
                        setattr(row, key, value)
                    row.updated_at = now
                    updated += 1
                else:
                    unchanged += 1
            if settings.seeded_at is None:
                settings.seeded_at = now
        log.info(
            "guild %s seed %s: %d added, %d updated, %d unchanged",
            guild_id,
            seed.key,
            added,
            updated,
            unchanged,
        )
        return SeedReport(added, updated, unchanged)

    async def seed_new(self, guild_ids: Iterable[int], seed: SeedSet) -> set[int]:
        """Seed the servers never seen before in bulk; return those seeded (the rest: load_seed)."""
        seeded = await seed_new_guilds(self._db, self._clock, guild_ids, seed)
        if seeded:
            log.info("seeded %d new guild(s) with seed %s in bulk", len(seeded), seed.key)
        return seeded

    async def needs_seed(self, guild_id: int) -> bool:
        """Tell whether a guild has never been seeded."""
        async with self._db.write() as session:
            settings = await ensure(session, guild_id, self._clock)
            return settings.seeded_at is None

    async def seeded(self, guild_ids: Iterable[int]) -> set[int]:
        """Return which of the guilds were seeded already: one read per 500 guilds."""
        ids = sorted(set(guild_ids))
        found: set[int] = set()
        async with self._db.read() as session:
            for start in range(0, len(ids), SEEDED_CHUNK):
                found.update(
                    await session.scalars(
                        select(GuildSettings.guild_id).where(
                            GuildSettings.guild_id.in_(ids[start : start + SEEDED_CHUNK]),
                            GuildSettings.seeded_at.is_not(None),
                        )
                    )
                )
        return found


def _clean(
    title: str,
    statement: str,
    source: str,
    criteria: str | None,
    made_on: date,
    due: date,
) -> dict[str, object]:
    check_dates(made_on, due)
    return {
        "title": clean_text(title, "title", TITLE_MAX),
        "statement": clean_text(statement, "statement", STATEMENT_MAX),
        "source": clean_text(source, "source", SOURCE_MAX),
        "criteria": clean_text(criteria, "criteria", CRITERIA_MAX, required=False)
        if criteria is not None
        else None,
        "made_on": made_on,
        "due": due,
    }


async def _next_number(session: AsyncSession, guild_id: int) -> int:
    current = await session.scalar(
        select(func.max(Prediction.number)).where(Prediction.guild_id == guild_id)
    )
    return (current or 0) + 1


def _status_filter(status: str):  # type: ignore[no-untyped-def]
    resolved = exists().where(Resolution.prediction_id == Prediction.id)
    polling = exists().where(Poll.prediction_id == Prediction.id, Poll.closed_at.is_(None))
    not_archived = Prediction.archived.is_(False)
    return {
        "all": not_archived,
        "open": not_archived & ~resolved & ~polling,
        "polling": not_archived & ~resolved & polling,
        "resolved": not_archived & resolved,
        "unresolved": not_archived & ~resolved,
        "archived": Prediction.archived.is_(True),
    }[status]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
