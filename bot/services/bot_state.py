"""Small key/value facts the bot keeps (e.g. the hash of the last synced command set)."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.clock import Clock
from db.models import BotState
from db.session import Database


class BotStateService:
    """Read and write bot state values."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, key: str) -> str | None:
        """Return a value, None when unset."""
        async with self._db.read() as session:
            return await session.scalar(select(BotState.value).where(BotState.key == key))

    async def set(self, key: str, value: str) -> None:
        """Set a value."""
        async with self._db.write() as session:
            row = await session.get(BotState, key)
            if row is None:
                session.add(BotState(key=key, value=value, updated_at=self._clock.now()))
            else:
                row.value = value
                row.updated_at = self._clock.now()
