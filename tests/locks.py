"""Another writer holding the votes table, as a busy or stuck database would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from db.session import Database


@contextlib.asynccontextmanager
async def votes_locked(url: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Hold a write lock on the votes table until the yielded `release()` (or the block's end)."""
    database = Database(url)
    try:
        async with database.engine.connect() as blocker:
            await blocker.begin()
            if database.is_sqlite:  # the first write of a transaction takes the write lock
                await blocker.exec_driver_sql("DELETE FROM votes WHERE poll_id = -1")
            else:
                await blocker.exec_driver_sql("LOCK TABLE votes IN EXCLUSIVE MODE")

            async def release() -> None:
                if blocker.in_transaction():
                    await blocker.rollback()

            yield release
            await release()
    finally:
        await database.dispose()
