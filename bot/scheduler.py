"""Scheduled work: a list of named jobs run in order every tick, each under its own guard.

Adding scheduled work (a post made once, through the outbox) is one workflow module and one
line in the list of jobs that bot/wiring.py builds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.discord_io.registry import OpenPolls
from bot.domain.clock import Clock
from bot.metrics import Metrics

log = logging.getLogger(__name__)

#: The shortest wait between ticks when a deadline is near (seconds).
MIN_WAIT = 0.5


@dataclass(frozen=True, slots=True)
class Job:
    """One piece of scheduled work: a name for the logs and what to run when due."""

    name: str
    run: Callable[[], Awaitable[object]]


class Scheduler:
    """Run the jobs every interval, and sooner when a poll's deadline comes first."""

    def __init__(
        self,
        clock: Clock,
        polls: OpenPolls,
        jobs: Sequence[Job],
        *,
        ready: Callable[[], Awaitable[object]],
        interval: float = 30.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._clock = clock
        #: Told each job run and failure, by job name.
        self._metrics = metrics or Metrics()
        self._polls = polls
        self.jobs = tuple(jobs)
        self._ready = ready
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
        """Run every job once, in order; one failing doesn't keep the others from running."""
        async with self._lock:
            for job in self.jobs:
                self._metrics.job_runs.labels(job.name).inc()
                try:
                    await job.run()
                except Exception:
                    self._metrics.job_failures.labels(job.name).inc()
                    log.exception("scheduled job %r failed; it runs again next tick", job.name)
                else:
                    log.debug("scheduled job %r done", job.name)

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
