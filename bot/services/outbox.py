"""The outbox: claims for everything done exactly once (posts, a month's role change).

A claimant claims a key before doing the thing and records it after. A claim left without a
record that is older than STALE_CLAIM is taken to have died mid-way: another claimant takes
it over, learning when the stale claim was made so it can first look for a post that landed
since. STALE_CLAIM is also the pace at which a post that couldn't be made is tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.clock import Clock
from bot.domain.months import Month
from bot.domain.shards import ShardScope
from bot.services.scoping import EVERYTHING, owned
from db.models import OutboxEntry
from db.session import Database

log = logging.getLogger(__name__)

#: A claim older than this with nothing recorded is taken over (and a blocked post retried).
STALE_CLAIM = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim won on a key; `taken_over` is when the stale claim it replaced was made."""

    key: str
    taken_over: datetime | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """Where a thing done was recorded (both None: done with nothing posted)."""

    channel_id: int | None
    message_id: int | None


class OutboxService:
    """Claim, take over, record and release keys, one transaction each."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, key: str, guild_id: int, claimant: str) -> Claim | None:
        """Claim a key, or take over its stale claim; None when done or held by another."""
        now = self._clock.now()
        insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        async with self._db.write() as session:
            result = await session.execute(
                insert(OutboxEntry)
                .values(key=key, guild_id=guild_id, claimed_at=now, claimed_by=claimant)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return Claim(key)
            stale = (
                OutboxEntry.key == key,
                OutboxEntry.posted_at.is_(None),
                OutboxEntry.claimed_at < now - STALE_CLAIM,
            )
            before = await session.scalar(select(OutboxEntry.claimed_at).where(*stale))
            taken = await session.execute(
                update(OutboxEntry).where(*stale).values(claimed_at=now, claimed_by=claimant)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
        log.info("%s took over the stale claim on %s (made %s)", claimant, key, before)
        return Claim(key, taken_over=before)

    async def record(
        self, key: str, channel_id: int | None = None, message_id: int | None = None
    ) -> None:
        """Record a claimed key as done, with the message posted if any."""
        async with self._db.write() as session:
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.key == key)
                .values(posted_at=self._clock.now(), channel_id=channel_id, message_id=message_id)
            )

    async def release(self, key: str, claimant: str) -> None:
        """Drop a claimant's claim on a key not done, so anyone may claim it at once."""
        async with self._db.write() as session:
            await session.execute(
                delete(OutboxEntry).where(
                    OutboxEntry.key == key,
                    OutboxEntry.claimed_by == claimant,
                    OutboxEntry.posted_at.is_(None),
                )
            )

    async def posted(self, key: str) -> Posted | None:
        """Return where a key was recorded as done; None while it is not done."""
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(OutboxEntry.channel_id, OutboxEntry.message_id).where(
                        OutboxEntry.key == key, OutboxEntry.posted_at.is_not(None)
                    )
                )
            ).first()
        return None if row is None else Posted(row[0], row[1])

    async def held(self, keys: Collection[str]) -> set[str]:
        """Return which of the keys a live claimant holds (claimed, not done, not yet stale)."""
        if not keys:
            return set()
        since = self._clock.now() - STALE_CLAIM
        async with self._db.read() as session:
            return set(
                await session.scalars(
                    select(OutboxEntry.key).where(
                        OutboxEntry.key.in_(list(keys)),
                        OutboxEntry.posted_at.is_(None),
                        OutboxEntry.claimed_at >= since,
                    )
                )
            )

    async def done(self, key: str) -> bool:
        """Tell whether a key was recorded as done."""
        return await self.posted(key) is not None

    async def keys(
        self, prefix: str, *, done: bool | None = None, scope: ShardScope = EVERYTHING
    ) -> list[str]:
        """Return the keys starting with a prefix in the scope's guilds (done, not done, any)."""
        query = select(OutboxEntry.key).where(
            OutboxEntry.key.startswith(prefix, autoescape=True),
            owned(OutboxEntry.guild_id, scope),
        )
        if done is not None:
            query = query.where(
                OutboxEntry.posted_at.is_not(None) if done else OutboxEntry.posted_at.is_(None)
            )
        async with self._db.read() as session:
            return sorted(await session.scalars(query.order_by(OutboxEntry.key)))


def board_key(guild_id: int, month: Month) -> str:
    """Return the key of a guild's monthly leaderboard post."""
    return f"board:{guild_id}:{month}"


def board_of(key: str) -> tuple[int, Month]:
    """Return the guild and month of a monthly post's key."""
    _, guild_id, month = key.split(":")
    return int(guild_id), Month.parse(month)


def reminder_key(poll_id: int) -> str:
    """Return the key of a poll's one reminder."""
    return f"reminder:{poll_id}"


def digest_key(guild_id: int, week: str) -> str:
    """Return the key of a guild's weekly digest."""
    return f"digest:{guild_id}:{week}"


def champion_key(guild_id: int, month: Month) -> str:
    """Return the key of a guild's champion role change for a month."""
    return f"champion:{guild_id}:{month}"


def result_key(poll_id: int) -> str:
    """Return the key of a closed poll's result post."""
    return f"result:{poll_id}"


def announcement_key(event_id: int) -> str:
    """Return the key of the announcement of one resolution change."""
    return f"announcement:{event_id}"
