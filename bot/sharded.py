"""Several shards: discord.py's AutoShardedBot, identifies paced across processes by the database."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext import commands

from bot.app import CalledItBot
from bot.domain.shards import ShardScope
from bot.services.shard_state import ShardStateService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GatewayAdvice:
    """What `GET /gateway/bot` says: shards to run and the token's session start limit."""

    shards: int
    max_concurrency: int
    remaining: int
    reset_after: float  # seconds


async def gateway_advice(token: str) -> GatewayAdvice:
    """Ask Discord (`GET /gateway/bot`) for its shard advice and the session start limit."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
        shards, _url, limit = await http.get_bot_gateway()
    finally:
        await http.close()
    return GatewayAdvice(
        shards=int(shards),
        max_concurrency=max(int(limit.get("max_concurrency", 1)), 1),
        remaining=int(limit.get("remaining", 1)),
        reset_after=float(limit.get("reset_after", 0)) / 1000,
    )


class IdentifyGate:
    """Wait for a shard's identify bucket: one IDENTIFY per bucket per 5 s, across processes."""

    def __init__(self, state: ShardStateService, max_concurrency: int, claimant: str) -> None:
        self._state = state
        self.max_concurrency = max(max_concurrency, 1)
        self._claimant = claimant

    def bucket(self, shard_id: int) -> int:
        """Return the shard's identify bucket (Discord's rule)."""
        return shard_id % self.max_concurrency

    async def wait(self, shard_id: int) -> None:
        """Return once this process holds the bucket's identify slot for the shard."""
        bucket = self.bucket(shard_id)
        while True:
            frees = await self._state.claim_identify(bucket, f"{self._claimant} shard {shard_id}")
            if frees is None:
                log.info("shard %s identifies (bucket %s)", shard_id, bucket)
                return
            delay = max((frees - datetime.now(UTC)).total_seconds(), 0.05)
            log.info("shard %s waits %.1fs for identify bucket %s", shard_id, delay, bucket)
            await asyncio.sleep(delay)


class ShardedCalledItBot(CalledItBot, commands.AutoShardedBot):
    """Called It over several shards in this process (discord.py's AutoShardedBot)."""

    def __init__(self, *args: Any, gate: IdentifyGate, scope: ShardScope, **kwargs: Any) -> None:
        super().__init__(
            *args,
            scope=scope,
            shard_count=scope.shard_count,
            shard_ids=list(scope.shard_ids),
            **kwargs,
        )
        self.gate = gate

    def gateways(self) -> list[Any]:
        """Return every shard's gateway websocket."""
        return [info._parent.ws for info in self.shards.values() if info._parent.ws is not None]

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the shard's identify bucket in the database instead of a blind 5 s sleep."""
        await self.gate.wait(shard_id or 0)
