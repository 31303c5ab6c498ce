"""Connect a discord.py client to an emulator (sets Route.BASE and the gateway URL)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .server import Emulator

DEFAULT_TOKEN = "emulator.bot.token"


@contextlib.contextmanager
def pointed_at(emu: Emulator) -> Iterator[None]:
    """Point discord.py's REST base and gateway URL at the emulator; restore them after."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    try:
        yield
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def connect_client(
    emu: Emulator,
    client: discord.Client,
    *,
    token: str = DEFAULT_TOKEN,
    timeout: float = 10.0,  # noqa: ASYNC109
    guild_ready_timeout: float | None = 0.05,
    fast_reidentify: bool = True,
) -> AsyncIterator[discord.Client]:
    """Start `client` against the emulator, wait until ready, and close it cleanly after.

    For speed, discord.py's 2 s wait after the last GUILD_CREATE is shortened
    (`guild_ready_timeout`) and its 5 s pause before a re-IDENTIFY is skipped
    (`fast_reidentify`: each IDENTIFY waits only for its identify rate limit bucket to be
    free); pass None/False to keep discord.py's real timings. Works for
    ``discord.AutoShardedClient`` and for clients made with ``shard_id=``/``shard_count=``.
    """
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    if fast_reidentify:

        async def _paced(shard_id: int | None, *, initial: bool = False) -> None:
            await asyncio.sleep(emu.shard_policy.reserve(shard_id or 0))

        client.before_identify_hook = _paced  # type: ignore[method-assign]
    with pointed_at(emu):
        task = asyncio.create_task(client.start(token), name="emulated-discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                ready.cancel()
                task.result()
                raise RuntimeError("discord client stopped before becoming ready")
            if ready not in done:
                raise TimeoutError(f"discord client not ready within {timeout}s")
            yield client
        finally:
            ready.cancel()
            if not client.is_closed():
                await client.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)
