"""Start-up and every new gateway session: recover, seed, close what's due, read polls back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from bot.discord_io.registry import OpenPolls
from bot.domain.seedfile import SeedSet
from bot.domain.shards import ShardScope
from bot.services.boards import BoardService
from bot.services.bulk_seed import SEED_CHUNK
from bot.services.polls import PollService
from bot.services.predictions import PredictionService
from bot.services.shard_state import ShardStateService
from bot.workflows.closing import PollClosing
from bot.workflows.opening import PollOpening
from bot.workflows.read_back import ReadBackWorkflow

log = logging.getLogger(__name__)


class Startup:
    """What the bot does before it takes events, and at each new session."""

    def __init__(
        self,
        boards: BoardService,
        poll_service: PollService,
        predictions: PredictionService,
        shards: ShardStateService,
        polls: OpenPolls,
        opening: PollOpening,
        closing: PollClosing,
        read_back: ReadBackWorkflow,
        seed: SeedSet | None,
        *,
        scope: ShardScope | None = None,
    ) -> None:
        self._boards = boards
        self._poll_service = poll_service
        self._predictions = predictions
        self._shards = shards
        self._polls = polls
        self._opening = opening
        self._closing = closing
        self._read_back = read_back
        self._seed = seed
        self._scope = scope or ShardScope()
        #: Guilds known to be seeded, and a lock per guild so that it is seeded once at a time.
        self._seeded: set[int] = set()
        self._seeding: dict[int, asyncio.Lock] = {}

    async def before_connect(self) -> None:
        """Build the ledger if needed, recover crashed poll posts, and load the open polls."""
        await self._boards.ensure_ledger()
        await self._opening.recover_unposted()
        self._polls.load(await self._poll_service.open_refs(scope=self._scope))

    async def new_session(self, guild_ids: Iterable[int]) -> None:
        """Seed new guilds, close what passed its deadline, then read every open poll back.

        Polls past their deadline close first, so reactions added after a deadline while the
        bot was away are never counted; a fresh session may have missed events, so every
        open poll is then read back from its reactions.
        """
        owned = [guild_id for guild_id in guild_ids if self._scope.owns(guild_id)]
        done = await self._predictions.seeded(owned) if self._seed is not None else set()
        self._seeded.update(done)
        await self._seed_in_bulk([guild_id for guild_id in owned if guild_id not in done])
        for guild_id in owned:  # any left (known to the database, not seeded): one by one
            if guild_id not in self._seeded:
                await self.seed_once(guild_id)
        await self._closing.close_due()
        await self._read_back.all()

    async def connected(self, process: str) -> None:
        """Record that this process serves its shards, and forgive its failed starts."""
        scope = self._scope
        for shard_id in scope.shard_ids:
            await self._shards.serving(shard_id, scope.shard_count, process)
        await self._shards.started(start_key(scope))
        log.info("serving shard(s) %s of %d as %s", scope.shard_ids, scope.shard_count, process)

    async def ensure_seeded(self, guild_id: int) -> None:
        """Seed a guild before answering it if start-up has not yet: never a wrong answer.

        The bot answers commands from a guild's GUILD_CREATE on, but start-up seeds the new
        guilds only after READY (discord.py waits 2 s for more guilds first). A guild known
        to be seeded costs a set lookup.
        """
        if self._seed is not None and guild_id not in self._seeded:
            await self.seed_once(guild_id)

    async def _seed_in_bulk(self, guild_ids: list[int]) -> None:
        """Seed the servers the database has never seen, a chunk at a time (first start).

        A chunk's servers are locked in id order while it is written (any other session or
        command takes them in that order too, one at a time), so a command in one of them
        waits for its own chunk only, and never seeds it twice.
        """
        if self._seed is None or not guild_ids:
            return
        ordered = sorted(set(guild_ids))
        for start in range(0, len(ordered), SEED_CHUNK):
            chunk = ordered[start : start + SEED_CHUNK]
            async with contextlib.AsyncExitStack() as held:
                for guild_id in chunk:
                    lock = self._seeding.setdefault(guild_id, asyncio.Lock())
                    await held.enter_async_context(lock)
                todo = [guild_id for guild_id in chunk if guild_id not in self._seeded]
                try:
                    self._seeded.update(await self._predictions.seed_new(todo, self._seed))
                except Exception:  # these one by one instead, as before
                    log.exception("seeding %d guild(s) in bulk failed", len(todo))

    async def seed_once(self, guild_id: int) -> None:
        """Seed a guild with the shipped set, once."""
        predictions = self._predictions
        if not self._scope.owns(guild_id):
            log.warning("guild %s is not on this process's shards; not seeding it", guild_id)
            return
        if self._seed is None:
            return
        async with self._seeding.setdefault(guild_id, asyncio.Lock()):
            if guild_id in self._seeded:  # seeded while this waited
                return
            if await predictions.needs_seed(guild_id):
                report = await predictions.load_seed(guild_id, self._seed)
                log.info("seeded guild %s with %d predictions", guild_id, report.added)
            self._seeded.add(guild_id)


def start_key(scope: ShardScope) -> str:
    """Return the key this process's starts are counted under, e.g. '0,1/4'."""
    return f"{','.join(map(str, scope.shard_ids))}/{scope.shard_count}"
