"""The one writer of votes: reaction events in arrival order, committed in small batches.

discord.py runs every event handler as its own task, so handlers may interleave; they only
append to this writer's buffer (no await, no task per event), and a single loop commits the
buffer through the votes service, one transaction and one statement per kind a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.outcomes import Choice
from bot.domain.votes import Delete, DeleteIf, Upsert, VoteEvent
from bot.services.votes import VoteService

log = logging.getLogger(__name__)

#: Told after a commit of (message_id, member_id, old_choice) for votes that changed choice;
#: it must only queue work (it runs on the writer's path).
Superseded = Callable[[list[tuple[int, int, Choice]]], None]


@dataclass(frozen=True, slots=True)
class Barrier:
    """A marker whose future resolves when every event queued before it is committed."""

    future: asyncio.Future[None]


@dataclass(frozen=True, slots=True)
class Exclusive:
    """Work (such as a reconciliation) that runs between batches, in queue order."""

    run: Callable[[], Awaitable[None]]
    future: asyncio.Future[None]


class VoteWriter:
    """Batch reaction events into the votes service, in order, never losing one."""

    def __init__(
        self,
        votes: VoteService,
        *,
        max_batch: int = 500,
        max_delay: float = 0.05,
        on_superseded: Superseded | None = None,
    ) -> None:
        self._votes = votes
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._on_superseded = on_superseded
        self._queue: list[VoteEvent | Barrier | Exclusive] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: Last committed choice per (message, member), to know which older reaction to remove.
        self._known: dict[tuple[int, int], Choice] = {}
        self.committed = 0
        self.batches = 0

    def put(self, event: VoteEvent) -> None:
        """Queue one event (called from the reaction handlers; never blocks)."""
        self._queue.append(event)
        if len(self._queue) >= self._max_batch or not self._wakeup.is_set():
            self._wakeup.set()

    def remember(self, message_id: int, votes: dict[int, Choice]) -> None:
        """Seed the known choices of a poll (after start-up or a reconciliation)."""
        for key in [k for k in self._known if k[0] == message_id]:
            del self._known[key]
        for member, choice in votes.items():
            self._known[(message_id, member)] = choice

    def forget(self, message_id: int) -> None:
        """Drop what is known of a closed poll."""
        for key in [k for k in self._known if k[0] == message_id]:
            del self._known[key]

    async def flush(self) -> None:
        """Wait until every event queued so far is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(Barrier(future))
        self._wakeup.set()
        await future

    async def exclusive(self, run: Callable[[], Awaitable[None]]) -> None:
        """Run work after the events queued so far and before the ones queued later."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(Exclusive(run, future))
        self._wakeup.set()
        await future

    def start(self) -> None:
        """Start the writer loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="calledit-vote-writer")

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    @property
    def pending(self) -> int:
        """Return how many events wait to be committed."""
        return sum(isinstance(i, VoteEvent) for i in self._queue)

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            if len(self._queue) < self._max_batch and not any(
                not isinstance(i, VoteEvent) for i in self._queue[-1:]
            ):
                # Give a burst a moment to gather into one batch.
                await asyncio.sleep(self._max_delay)
            self._wakeup.clear()
            while self._queue:
                await self._drain_once()

    async def _drain_once(self) -> None:
        head = self._queue[0]
        if isinstance(head, Barrier):
            self._queue.pop(0)
            if not head.future.done():
                head.future.set_result(None)
            return
        if isinstance(head, Exclusive):
            self._queue.pop(0)
            try:
                await head.run()
            except Exception as exc:
                log.exception("exclusive vote work failed")
                if not head.future.done():
                    head.future.set_exception(exc)
            else:
                if not head.future.done():
                    head.future.set_result(None)
            return
        batch: list[VoteEvent] = []
        for item in self._queue:
            if not isinstance(item, VoteEvent) or len(batch) >= self._max_batch:
                break
            batch.append(item)
        await self._commit(batch)
        del self._queue[: len(batch)]

    async def _commit(self, batch: list[VoteEvent]) -> None:
        delay = 0.1
        while True:
            try:
                report = await self._votes.apply(batch)
                break
            except Exception:
                # Keep the batch (never lose a vote) and retry with a backoff.
                log.exception(
                    "committing %d vote events failed; retrying in %.1fs", len(batch), delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.committed += len(batch)
        self.batches += 1
        superseded: list[tuple[int, int, Choice]] = []
        for key, write in report.writes.items():
            old = self._known.get(key)
            if isinstance(write, Upsert):
                if old is not None and old is not write.choice:
                    superseded.append((key[0], key[1], old))
                self._known[key] = write.choice
            elif isinstance(write, Delete) or (
                isinstance(write, DeleteIf) and old in write.choices
            ):
                self._known.pop(key, None)
        if superseded and self._on_superseded is not None:
            self._on_superseded(superseded)
