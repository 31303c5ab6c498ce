"""Notices: problems the bot tells a guild's admins about, until they are fixed."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import delete, select, update

from bot.domain import notices as rules
from bot.domain.clock import Clock
from bot.domain.notices import Notice
from db.models import GuildNotice, Poll, Prediction
from db.session import Database

log = logging.getLogger(__name__)


class NoticeService:
    """Record, list and clear a guild's notices."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(self, guild_id: int, notice: Notice) -> bool:
        """Record a notice; True if it is new or its text changed (admins see it again)."""
        now = self._clock.now()
        async with self._db.write() as session:
            row = await session.get(GuildNotice, (guild_id, notice.key))
            if row is None:
                session.add(
                    GuildNotice(
                        guild_id=guild_id,
                        key=notice.key,
                        text=notice.text,
                        first_at=now,
                        last_at=now,
                        shown_at=None,
                    )
                )
                fresh = True
            else:
                fresh = row.text != notice.text
                row.last_at = now
                if fresh:
                    row.text, row.shown_at = notice.text, None
        if fresh:
            log.info("guild %s: notice %s recorded for the admins", guild_id, notice.key)
        return fresh

    async def clear(self, guild_id: int, *keys: str) -> int:
        """Clear notices whose problem is fixed; return how many there were."""
        if not keys:
            return 0
        wanted = GuildNotice.guild_id == guild_id, GuildNotice.key.in_(keys)
        async with self._db.read() as session:  # the common case: nothing to clear, no write
            if await session.scalar(select(GuildNotice.key).where(*wanted).limit(1)) is None:
                return 0
        async with self._db.write() as session:
            result = await session.execute(delete(GuildNotice).where(*wanted))
        cleared = result.rowcount or 0  # type: ignore[attr-defined]
        if cleared:
            log.info("guild %s: %d notice(s) cleared: %s", guild_id, cleared, ", ".join(keys))
        return cleared

    async def active(self, guild_id: int, *, mark_shown: bool = False) -> list[Notice]:
        """Return a guild's notices, oldest first; optionally mark them shown."""
        async with self._db.write() if mark_shown else self._db.read() as session:
            rows = list(
                await session.scalars(
                    select(GuildNotice)
                    .where(GuildNotice.guild_id == guild_id)
                    .order_by(GuildNotice.first_at, GuildNotice.key)
                )
            )
            if mark_shown and any(r.shown_at is None for r in rows):
                await session.execute(
                    update(GuildNotice)
                    .where(GuildNotice.guild_id == guild_id, GuildNotice.shown_at.is_(None))
                    .values(shown_at=self._clock.now())
                )
            return [Notice(r.key, r.text) for r in rows]

    async def take_new(self, guild_id: int) -> list[Notice]:
        """Return the notices no admin has seen yet, and mark them shown."""
        async with self._db.read() as session:
            unseen = await session.scalar(
                select(GuildNotice.key)
                .where(GuildNotice.guild_id == guild_id, GuildNotice.shown_at.is_(None))
                .limit(1)
            )
        if unseen is None:  # the common case: one cheap read, no write
            return []
        async with self._db.write() as session:
            rows = list(
                await session.scalars(
                    select(GuildNotice)
                    .where(GuildNotice.guild_id == guild_id, GuildNotice.shown_at.is_(None))
                    .order_by(GuildNotice.first_at, GuildNotice.key)
                )
            )
            now = self._clock.now()
            for row in rows:
                row.shown_at = now
            return [Notice(r.key, r.text) for r in rows]

    async def unshown(self, guild_id: int) -> list[Notice]:
        """Return the notices no admin has seen yet, oldest first, leaving them unseen."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(GuildNotice)
                .where(GuildNotice.guild_id == guild_id, GuildNotice.shown_at.is_(None))
                .order_by(GuildNotice.first_at, GuildNotice.key)
            )
            return [Notice(r.key, r.text) for r in rows]

    async def mark_shown(self, guild_id: int, *shown: Notice) -> None:
        """Mark notices shown, each only if its text is still the one shown."""
        if not shown:
            return
        now = self._clock.now()
        async with self._db.write() as session:
            for notice in shown:
                await session.execute(
                    update(GuildNotice)
                    .where(
                        GuildNotice.guild_id == guild_id,
                        GuildNotice.key == notice.key,
                        GuildNotice.text == notice.text,
                    )
                    .values(shown_at=now)
                )

    async def keys(self, guild_id: int) -> set[str]:
        """Return the keys of a guild's notices."""
        async with self._db.read() as session:
            return set(
                await session.scalars(
                    select(GuildNotice.key).where(GuildNotice.guild_id == guild_id)
                )
            )

    async def poll_message_gone(self, poll_id: int) -> Notice | None:
        """Record that a poll's message was deleted; return the notice (None: unknown poll)."""
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(Poll.guild_id, Poll.channel_id, Prediction.number)
                    .join(Prediction, Prediction.id == Poll.prediction_id)
                    .where(Poll.id == poll_id)
                )
            ).first()
        if row is None:
            return None
        guild_id, channel_id, number = row
        notice = rules.poll_message_gone(number, channel_id)
        await self.record(guild_id, notice)
        return notice

    async def clear_channels(self, guild_id: int, channel_ids: Iterable[int]) -> int:
        """Clear the 'can't post here' notices of channels where posting works again."""
        return await self.clear(guild_id, *(rules.posting_key(c) for c in channel_ids))

    async def clear_deleted_channels(self, guild_id: int) -> int:
        """Clear the 'a channel holding polls was deleted' notices (a new polls channel is set)."""
        gone = rules.channel_gone_key(0).removesuffix("0")
        return await self.clear(
            guild_id, *(k for k in await self.keys(guild_id) if k.startswith(gone))
        )

    async def clear_admin_channel_gone(self, guild_id: int) -> int:
        """Clear the 'the admin channel was deleted' notices (a new one is set)."""
        return await self.clear(
            guild_id, *(k for k in await self.keys(guild_id) if k.startswith(rules.ADMIN_GONE))
        )
