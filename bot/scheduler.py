"""Scheduled work: deadlines, late result posts and announcements, and the monthly post."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.discord_io.registry import OpenPolls
from bot.domain.clock import Clock
from bot.workflows.closing import PollClosing
from bot.workflows.monthly import MonthlyPost
from bot.workflows.read_back import ReadBackWorkflow
from bot.workflows.resolving import Resolving

log = logging.getLogger(__name__)

#: The shortest wait between ticks when a deadline is near (seconds).
MIN_WAIT = 0.5


class Scheduler:
    """Run what is due every interval, and sooner when a poll's deadline comes first."""

    def __init__(
        self,
        clock: Clock,
        polls: OpenPolls,
        closing: PollClosing,
        resolving: Resolving,
        monthly: MonthlyPost,
        read_back: ReadBackWorkflow,
        *,
        ready: Callable[[], Awaitable[object]],
        interval: float = 30.0,
        chores: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:
        self._clock = clock
        self._polls = polls
        self._closing = closing
        self._resolving = resolving
        self._monthly = monthly
        self._read_back = read_back
        self._ready = ready
        #: Further due work (reminders, the digest, the admin channel), run in this order.
        self._chores = tuple(chores)
        self.interval = interval
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
        """Do everything that is due now, each use case through its one workflow."""
        async with self._lock:
            await self._read_back.retry_unanswered()
            await self._closing.close_due()
            await self._closing.post_missing_results()
            await self._resolving.announce_missing()
            await self._monthly.post_due()
            for chore in self._chores:
                try:
                    await chore()
                except Exception:  # one chore failing must not stop the others
                    log.exception("scheduled work %s failed", getattr(chore, "__qualname__", chore))

    def next_wait(self) -> float:
        """Return seconds until the next tick: the interval, or sooner for a poll's deadline."""
        now = self._clock.now()
        deadline = self._polls.next_deadline(now)
        if deadline is None:
            return self.interval
        return min(self.interval, max((deadline - now).total_seconds(), MIN_WAIT))

    async def _loop(self) -> None:
        await self._ready()
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduled work failed")
            await asyncio.sleep(self.next_wait())
