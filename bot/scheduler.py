"""Scheduled work: close polls at their deadline and post each month's leaderboard once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from typing import TYPE_CHECKING

from bot.domain.rules import may_reconcile
from bot.publisher import PostBlocked
from bot.services.boards import STALE_CLAIM

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)


class Scheduler:
    """Run due work every interval (and once at start, to catch up what was missed)."""

    def __init__(self, bot: CalledItBot, *, interval: float = 30.0) -> None:
        self.bot = bot
        self.interval = interval
        self.claimant = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        """Start the loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="calledit-scheduler")

    async def stop(self) -> None:
        """Stop the loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def tick(self) -> None:
        """Do everything that is due now."""
        async with self._lock:
            await self.close_due_polls()
            await self.bot.publisher.post_missing_results()
            await self.bot.publisher.post_missing_announcements()
            await self.post_due_boards()

    async def close_due_polls(self) -> None:
        """Close polls whose deadline passed, then show them closed and post their results.

        A poll closed at its deadline is read back first (reactions are the source of truth);
        one found long past it (the bot was down) keeps the votes recorded before it.
        """
        now = self.bot.services.clock.now()
        for ref in list(self.bot.publisher.open_polls.values()):
            if ref.closes_at <= now and may_reconcile(None, ref.closes_at, now):
                await self.bot.publisher.read_back_safely(ref)
        await self.bot.vote_writer.flush()
        due = await self.bot.services.polls.close_due()
        for ref in list(self.bot.publisher.open_polls.values()):
            if ref.closes_at <= now:  # closed now, by us or by another process on this database
                self.bot.publisher.open_polls.pop(ref.message_id, None)
                self.bot.vote_writer.forget(ref.message_id)
        for closed in due:
            await self.bot.publisher.closed(closed)

    async def post_due_boards(self) -> None:
        """Post each guild's ended month once: claim in the database, then post, then record.

        A claim left without a post (a crash, a channel the bot can't use) is taken over once
        it is STALE_CLAIM old: the taker first looks for the post in the channel, so a post
        that landed is recorded, not repeated; a blocked channel is retried at that pace.
        """
        boards = self.bot.services.boards
        due = await boards.due_posts()
        due += [d for d in await boards.unfinished_claims() if d not in due]
        for item in due:
            if self.bot.get_guild(item.guild_id) is None:
                continue  # not connected to that guild now; a later tick or start catches up
            claim = await boards.claim(item.guild_id, item.month, self.claimant)
            if claim is None:
                continue
            try:
                message_id = await self.bot.publisher.post_monthly(
                    item.guild_id, item.month, since=claim.taken_over
                )
            except PostBlocked as blocked:
                log.warning("%s; retried in %s", blocked, STALE_CLAIM)
                continue
            except Exception:  # one guild failing must not stop the others
                log.exception(
                    "posting the %s board of guild %s failed; retried later",
                    item.month,
                    item.guild_id,
                )
                continue
            if message_id is None:
                log.warning("guild %s has no channel for the %s board", item.guild_id, item.month)
                await boards.mark_posted(item.guild_id, item.month, None, None)
            else:
                log.info("posted the %s board of guild %s", item.month, item.guild_id)

    async def _loop(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduled work failed")
            await asyncio.sleep(self.next_wait())

    def next_wait(self) -> float:
        """Return seconds until the next tick: the interval, or sooner for a poll's deadline."""
        now = self.bot.services.clock.now()
        deadlines = [
            r.closes_at for r in self.bot.publisher.open_polls.values() if r.closes_at > now
        ]
        if not deadlines:
            return self.interval
        return min(self.interval, max((min(deadlines) - now).total_seconds(), 0.5))
