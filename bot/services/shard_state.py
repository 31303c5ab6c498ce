"""What shard processes share through the database: identify slots, failed starts, who serves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.snapshots.ops import ShardSeen
from db.models import BotState
from db.session import Database

log = logging.getLogger(__name__)

#: Discord lets each identify bucket start one session per this long.
IDENTIFY_WINDOW = timedelta(seconds=5)
#: How long a claim may take to become an IDENTIFY on the wire: the claim is stamped inside its
#: transaction, and its commit and the send follow. A claimer whose IDENTIFY went out 0.5 s
#: after its stamp let the next process in 4.5 s later (an emulator violation under CI load).
IDENTIFY_SLACK = timedelta(seconds=1)
#: Failed starts counted together when each came within this long of the previous one.
FAILURE_MEMORY = timedelta(hours=1)


def wall_clock() -> datetime:
    """Return the real time now: Discord's limits run on it, whatever clock the data uses."""
    return datetime.now(UTC)


class ShardStateService:
    """Coordinate shard processes through small rows of bot_state, each write one transaction."""

    def __init__(self, db: Database, now: Callable[[], datetime] = wall_clock) -> None:
        self._db = db
        self._now = now

    async def claim_identify(
        self, bucket: int, claimant: str, window: timedelta = IDENTIFY_WINDOW + IDENTIFY_SLACK
    ) -> datetime | None:
        """Take a bucket's identify slot; None when taken, else when it frees (try again then).

        The write transaction is the database's one writer at a time (BEGIN IMMEDIATE on
        SQLite, the advisory write lock on PostgreSQL), so two processes never both take it.
        """
        key = f"identify:{bucket}"
        async with self._db.write() as session:
            now = self._now()
            row = await session.get(BotState, key)
            if row is None:
                session.add(BotState(key=key, value=claimant, updated_at=now))
                return None
            frees = row.updated_at + window
            if frees > now and row.updated_at <= now:  # a clock set back must not block forever
                return frees
            row.value = claimant
            row.updated_at = now
            return None

    async def start_attempt(self, who: str) -> tuple[int, datetime | None]:
        """Count a start of this process's shards; return the failed starts before it and the last.

        The count is reset by `started`; a start that never got there (a crash, a refused
        login) stays counted, so a crash loop shows as a growing count.
        """
        key = f"starts:{who}"
        async with self._db.write() as session:
            now = self._now()
            row = await session.get(BotState, key)
            if row is None:
                session.add(BotState(key=key, value="1", updated_at=now))
                return 0, None
            failed = int(row.value) if row.value.isdigit() else 0
            last = row.updated_at
            if now - last > FAILURE_MEMORY:
                failed = 0
            row.value = str(failed + 1)
            row.updated_at = now
            return failed, last

    async def started(self, who: str) -> None:
        """Record that this process's shards are connected: its failed starts are forgiven."""
        async with self._db.write() as session:
            row = await session.get(BotState, f"starts:{who}")
            if row is not None:
                row.value = "0"
                row.updated_at = self._now()

    async def serving(self, shard_id: int, shard_count: int, process: str) -> None:
        """Record that a process serves a shard now."""
        key = f"shard:{shard_id}"
        value = f"{shard_count} {process}"
        async with self._db.write() as session:
            row = await session.get(BotState, key)
            if row is None:
                session.add(BotState(key=key, value=value, updated_at=self._now()))
            else:
                row.value = value
                row.updated_at = self._now()

    async def seen(self) -> list[ShardSeen]:
        """Return the process each shard last reported, by shard."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(BotState.key, BotState.value, BotState.updated_at).where(
                    BotState.key.like("shard:%")
                )
            )
            result = []
            for key, value, at in rows:
                count, _, process = value.partition(" ")
                shard = key.removeprefix("shard:")
                if shard.isdigit() and count.isdigit():
                    result.append(ShardSeen(int(shard), int(count), process, at))
        return sorted(result, key=lambda s: s.shard_id)


def backoff(failed: int, *, free: int = 2, base: float = 5.0, cap: float = 600.0) -> float:
    """Return seconds to wait before identifying after `failed` failed starts in a row."""
    if failed <= free:
        return 0.0
    return min(cap, base * 2 ** (failed - free - 1))
