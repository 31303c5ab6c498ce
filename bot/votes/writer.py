"""The one writer of votes: reaction events in arrival order, committed in small batches.

Reaction events reach ``put`` inline from the intake (bot/votes/intake.py), as the gateway's
frames are parsed, so they keep their arrival order and cost no task each. A full batch (``max_batch`` events) is
handed to the votes service at once; a partial one after ``max_delay``. While a batch is being
written, later events wait for it and go as one bigger batch (up to ``GROUP`` full batches)
the moment it is done: in a flood the batches grow to what the database takes per commit
(on PostgreSQL a commit's round trips share the event loop with the gateway). The service
applies batches one at a time, in order, off the event loop, and retries a batch that failed for a
busy or lost database before any later one, so no vote is lost or reordered; a batch refused for
a reason of its own is applied event by event and only the refused events are set aside.
When each batch is committed the writer works out which older reactions it superseded (the
rule is bot/domain/votes.py ``superseded``) and tells its ``VoteReports``: those reactions, the
clears applied, and when to stop and resume reading the gateway for its backlog.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Protocol

from bot.domain.errors import Unavailable
from bot.domain.outcomes import Choice
from bot.domain.votes import Delete, DeleteIf, Upsert, VoteEvent
from bot.domain.votes import superseded as find_superseded
from bot.metrics import Metrics
from bot.services.votes import VoteService
from bot.snapshots.votes import ApplyReport

log = logging.getLogger(__name__)

#: How many full batches may gather while one is being written (group commit).
GROUP = 10
#: Events waiting to be written at which the writer asks to stop reading the gateway; it asks
#: to read again at half. A flood the database can't keep up with waits in Discord's buffers
#: and the kernel's, not in this process's memory.
BACKLOG_LIMIT = 20_000
#: The longest the gateway stays unread for the backlog: interactions arrive on it too, and
#: Discord gives each 3 s to be acknowledged.
HOLD_MAX = 1.0
#: After reading resumes, how long it goes on before the backlog may pause it again.
READ_WINDOW = 0.5
#: How long a command waits for the votes queued before it to commit, then gives up unchanged
#: (the database is out): an admin hears back well within the interaction's 15 minutes.
COMMAND_WAIT = 10.0
#: Member ids kept as shared keys of the known choices before the sharing starts over.
MEMBERS_KEPT = 200_000


class VoteReports(Protocol):
    """What the writer tells as it goes; each must only queue work (it runs on the writer's path)."""

    def superseded(self, items: list[tuple[int, int, Choice]]) -> None:
        """Take note, after a commit, of (message_id, member_id, older option) reactions replaced."""

    def cleared(self, items: list[tuple[int, Choice | None, int]]) -> None:
        """Take note, after a commit, of (message_id, option or None for all, votes) clears."""

    def backlog(self, paused: bool) -> None:
        """Stop reading the gateway (True: told again now and then) or read again (False)."""


class VoteWriter:
    """Batch reaction events into the votes service, in order, never losing one."""

    def __init__(
        self,
        votes: VoteService,
        reports: VoteReports | None = None,
        *,
        max_batch: int = 500,
        max_delay: float = 0.05,
        group: int = GROUP,
        backlog_limit: int = BACKLOG_LIMIT,
        metrics: Metrics | None = None,
    ) -> None:
        self._votes = votes
        #: Told each batch's commit time (once per batch).
        self._metrics = metrics or Metrics()
        #: Who hears what the writer reports; None: nobody (the backlog never pauses anything).
        self._reports = reports
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._max_group = max_batch * max(1, group)
        self._backlog_limit = backlog_limit
        self._holding_gateway: asyncio.TimerHandle | None = None
        #: Events whose batch has finished, committed or not (what no longer waits).
        self._settled = 0
        #: Events held for exclusive work: they wait for it, not for the database.
        self._held_count = 0
        #: Loop time before which the backlog may not pause the gateway again.
        self._read_until = 0.0
        #: Flushes left running by caught_up, kept so they are not garbage-collected.
        self._flushes: set[asyncio.Task[None]] = set()
        #: The events of each batch being written, to count a poll's pending votes.
        self._writing: dict[asyncio.Future[ApplyReport], list[VoteEvent]] = {}
        self._pending: list[VoteEvent] = []
        self._inflight: list[asyncio.Future[ApplyReport]] = []
        self._timer: asyncio.TimerHandle | None = None
        #: Events held back per poll message while exclusive work reads that poll back.
        self._held: dict[int, list[VoteEvent]] = {}
        self._holding = asyncio.Event()  # set while nothing is held
        self._holding.set()
        self._exclusive: dict[int, asyncio.Lock] = {}
        #: Last committed choice per message and member, to know which older reaction to
        #: remove: one small dict per open poll with votes (half the memory of (message,
        #: member) keys); none for a poll without (its dict would keep its largest size).
        self._known: dict[int, dict[int, Choice]] = {}
        #: One int object per member, for those dicts' keys and every queued vote's member id
        #: (bot/votes/filter.py): a member who votes on ten polls is kept once, not ten times
        #: (3 MB of 100,000 votes in 100 polls' worth of voters). Started over past
        #: MEMBERS_KEPT, which only ends the sharing.
        self._member_ids: dict[int, int] = {}
        #: Futures of events whose commit someone waits for (a button press), by event identity.
        self._waiters: dict[int, asyncio.Future[bool]] = {}
        #: Events received (put), committed and batches committed so far: counters to watch.
        self.received = 0
        self.committed = 0
        self.batches = 0

    def put(self, event: VoteEvent) -> None:
        """Queue one event (called inline from the intake; never blocks)."""
        self.received += 1
        if self.backlog >= self._backlog_limit and (
            self._holding_gateway is None or not self.received & 1023
        ):
            self._hold_gateway(True)  # asked again now and then, should a read resume early
        held = self._held.get(event.message_id)
        if held is not None:
            held.append(event)
            self._held_count += 1
            return
        pending = self._pending
        pending.append(event)
        if len(pending) >= self._max_batch and (
            not self._inflight or len(pending) >= self._max_group
        ):
            self._submit()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._max_delay, self._on_timer)

    def put_committed(self, event: VoteEvent) -> asyncio.Future[bool]:
        """Queue one event and return a future done once its batch is written.

        Its result tells whether the database took the event (False: set aside, or its batch
        failed); the caller reads back what is stored. In order with every other vote.
        """
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters[id(event)] = waiter
        self.put(event)
        return waiter

    def current(self, message_id: int, member_id: int) -> Choice | None:
        """Return a member's last committed choice on a poll this writer knows, if any."""
        return self._known.get(message_id, {}).get(member_id)

    def shared_member_id(self, member_id: int) -> int:
        """Return the one int kept for this member, for a queued vote to hold instead of its own."""
        return self._shared_ids().setdefault(member_id, member_id)

    def remember(self, message_id: int, votes: dict[int, Choice]) -> None:
        """Seed the known choices of a poll (after start-up or a read-back)."""
        self.forget(message_id)
        if votes:
            ids = self._shared_ids()
            self._known[message_id] = {ids.setdefault(m, m): c for m, c in votes.items()}

    def forget(self, message_id: int) -> None:
        """Drop what is known of a closed poll."""
        lock = self._exclusive.get(message_id)
        if lock is not None and not lock.locked():
            del self._exclusive[message_id]
        self._known.pop(message_id, None)

    async def flush(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until every event queued so far is committed (after any exclusive work).

        With a timeout, raise Unavailable once it passes: the events stay queued and commit
        when the database takes them.
        """
        await self._holding.wait()
        await self._commit_queued(timeout)

    async def caught_up(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait up to `timeout` s for what is queued so far to commit; return whether it did.

        For a live tally during a flood: it need not wait for the whole backlog. The flush goes
        on in the background (a timed-out wait must not cancel the writes it waits for).
        """
        flushing = asyncio.ensure_future(self.flush())
        self._flushes.add(flushing)
        flushing.add_done_callback(self._flushes.discard)
        done, _ = await asyncio.wait({flushing}, timeout=timeout)
        return bool(done)

    def pending_on(self, message_id: int) -> int:
        """Return how many events on one poll message wait to be committed."""
        return sum(1 for e in self._waiting() if e.message_id == message_id)

    def waiting(self) -> list[VoteEvent]:
        """Return every event not yet committed: being written, held for exclusive work, queued."""
        return list(self._waiting())

    def _waiting(self) -> Iterator[VoteEvent]:
        for events in (*self._writing.values(), *self._held.values(), self._pending):
            yield from events

    async def exclusive(
        self,
        message_id: int,
        run: Callable[[], Awaitable[None]],
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Run work on one poll after its events queued so far and before the ones queued later.

        Events on other polls keep flowing, so polls in different channels can be read back
        at the same time. With a timeout, raise Unavailable (without running the work) if the
        events queued so far are not committed by then.
        """
        lock = self._exclusive.setdefault(message_id, asyncio.Lock())
        async with lock:
            await self._commit_queued(timeout)
            self._held[message_id] = []
            self._holding.clear()
            try:
                await run()
            finally:
                released = self._held.pop(message_id)
                self._held_count -= len(released)
                self._pending.extend(released)
                if not self._held:
                    self._holding.set()
                if self._pending:
                    self._submit()

    async def _commit_queued(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if self._pending:
            self._submit()
        if self._inflight:  # asyncio.wait: a cancelled waiter must not cancel the writes
            _, waiting = await asyncio.wait(list(self._inflight), timeout=timeout)
            if waiting:
                outage = self._votes.outage
                log.warning(
                    "%d votes still wait for the database: a command gives up", self.backlog
                )
                raise Unavailable(outage.value if outage is not None else "busy")

    async def stop(self) -> None:
        """Commit what is queued."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self.flush()
        if self._holding_gateway is not None:
            self._holding_gateway.cancel()
            self._holding_gateway = None

    @property
    def holding(self) -> bool:
        """Return whether the backlog has the gateway paused."""
        return self._holding_gateway is not None

    def _on_timer(self) -> None:
        self._timer = None
        if self._pending and not self._inflight:  # else the batch in flight sends them
            self._submit()

    def _submit(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        future = self._votes.submit(batch, retry=True)
        self._inflight.append(future)
        self._writing[future] = batch
        future.add_done_callback(
            functools.partial(self._done, batch=batch, started=time.monotonic())
        )

    def _hold_gateway(self, hold: bool) -> None:
        """Ask to stop (True: again each time) or resume (False) reading the gateway."""
        if self._reports is None:
            return
        loop = asyncio.get_running_loop()
        if hold:
            if self._holding_gateway is None:
                if loop.time() < self._read_until:
                    return  # reading again for a while: commands must get through
                log.info("%d votes wait to be written: pausing the gateway", self.backlog)
                self._holding_gateway = loop.call_later(HOLD_MAX, self._held_too_long)
            self._reports.backlog(True)
        elif self._holding_gateway is not None:
            self._holding_gateway.cancel()
            self._holding_gateway = None
            self._read_until = loop.time() + READ_WINDOW
            self._reports.backlog(False)

    def _held_too_long(self) -> None:
        log.info("the gateway was paused %.1fs for the vote backlog: reading again", HOLD_MAX)
        self._holding_gateway = None
        self._read_until = asyncio.get_running_loop().time() + READ_WINDOW
        if self._reports is not None:
            self._reports.backlog(False)

    @property
    def backlog(self) -> int:
        """Return how many events wait for the database (not those held for exclusive work)."""
        return self.received - self._settled - self._held_count

    def _done(
        self, future: asyncio.Future[ApplyReport], batch: list[VoteEvent], started: float
    ) -> None:
        self._inflight.remove(future)
        if not future.cancelled() and future.exception() is None:
            self._metrics.batch_seconds.observe(time.monotonic() - started)
        self._writing.pop(future, None)
        self._settled += len(batch)
        try:
            if self._waiters:
                self._tell_waiters(future, batch)
            self._account(future, batch)
        finally:
            if self._pending and not self._inflight:  # what gathered meanwhile, at once
                self._submit()
            if self._holding_gateway is not None and self.backlog <= self._backlog_limit // 2:
                self._hold_gateway(False)

    def _tell_waiters(self, future: asyncio.Future[ApplyReport], batch: list[VoteEvent]) -> None:
        """Resolve the futures of the events of a written batch someone waits for."""
        failed = future.cancelled() or future.exception() is not None
        refused = set() if failed else {id(e) for e in future.result().set_aside}
        for event in batch:
            waiter = self._waiters.pop(id(event), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(not failed and id(event) not in refused)

    def _account(self, future: asyncio.Future[ApplyReport], batch: list[VoteEvent]) -> None:
        """Count a written batch and work out which older reactions to take off."""
        if future.cancelled() or future.exception() is not None:
            log.error(
                "a vote batch of %d was not committed", len(batch), exc_info=future.exception()
            )
            return
        report = future.result()
        self.committed += len(batch)
        self.batches += 1
        superseded = find_superseded(
            batch, report.writes, self._known, set_aside=report.set_aside, cleared=report.cleared
        )
        self._remember_committed(report)
        if self._reports is None:
            return
        if superseded:
            self._reports.superseded(superseded)
        if report.cleared:
            self._reports.cleared(list(report.cleared))

    def _shared_ids(self) -> dict[int, int]:
        """Return the shared member ids, started over once past MEMBERS_KEPT."""
        if len(self._member_ids) > MEMBERS_KEPT:
            self._member_ids = {}
        return self._member_ids

    def _remember_committed(self, report: ApplyReport) -> None:
        """Bring the known choices up to what a batch committed: its clears, then its writes."""
        known = self._known
        ids = self._shared_ids()
        for message_id, choice, _ in report.cleared:
            removed = frozenset(Choice) if choice is None else frozenset({choice})
            of_poll = known.get(message_id, {})
            for member in [m for m, c in of_poll.items() if c in removed]:
                del of_poll[member]
            if not of_poll:
                known.pop(message_id, None)
        for (message_id, member_id), write in report.writes.items():
            votes = known.get(message_id)
            if isinstance(write, Upsert):
                if votes is None:
                    votes = known[message_id] = {}
                votes[ids.setdefault(member_id, member_id)] = write.choice
            elif votes is not None and (
                isinstance(write, Delete)
                or (isinstance(write, DeleteIf) and votes.get(member_id) in write.choices)
            ):
                votes.pop(member_id, None)
                if not votes:  # a dict keeps its largest size: a poll left with none lets it go
                    del known[message_id]
