"""Gateway session controls of the Emulator: readiness, shards and disconnects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from .models import id_of
from .shards import shard_for
from .state import EmulatorState


class SessionsMixin(EmulatorState):
    """Wait for, drop, reconnect and invalidate the bot's gateway sessions (per shard too)."""

    async def wait_until_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a bot session has identified or resumed."""
        await asyncio.wait_for(self.gateway.ready_event.wait(), timeout)

    # -- disconnect controls --------------------------------------------------

    async def drop_bot_connection(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close the bot's gateway connection(s); a resumable code makes it RESUME."""
        await self.gateway.drop(code, shard_id=shard_id)

    def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT to the bot (it reconnects and RESUMEs)."""
        self.gateway.request_reconnect(shard_id=shard_id)

    async def invalidate_session(self, *, shard_id: int | None = None) -> None:
        """Send op 9 (d: false): the bot must IDENTIFY again and nothing is replayed."""
        await self.gateway.invalidate(shard_id=shard_id)

    def shard_of(self, guild: Any, shard_count: int | None = None) -> int:
        """Return the shard owning a guild (count: the connected sessions' count by default)."""
        if shard_count is None:
            counts = {s.shard[1] for s in self.gateway.connected_sessions()}
            shard_count = (
                max(counts) if counts else self.shard_policy.recommended_shards(len(self.guilds))
            )
        return shard_for(id_of(guild), shard_count)

    def hold_connections(self) -> None:
        """Make new gateway connections wait until `release_connections`."""
        self.gateway.hold()

    def release_connections(self) -> None:
        """Let held gateway connections proceed."""
        self.gateway.release()

    @contextlib.asynccontextmanager
    async def bot_offline(
        self,
        *,
        invalidate: bool = False,
        code: int = 4000,
        wait_ready: float = 10.0,
        shard_id: int | None = None,
    ) -> AsyncIterator[None]:
        """Keep the bot (or one shard) disconnected inside the block; it RESUMEs after.

        With `invalidate` it must IDENTIFY again instead and the events in between are lost.
        """
        self.hold_connections()
        try:
            if invalidate:
                await self.invalidate_session(shard_id=shard_id)
                await asyncio.sleep(0.05)
            await self.drop_bot_connection(code, shard_id=shard_id)
            yield
        finally:
            self.gateway.ready_event.clear()
            self.release_connections()
        if wait_ready:
            await self.wait_until_ready(wait_ready)
