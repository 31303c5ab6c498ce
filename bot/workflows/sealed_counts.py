"""A sealed poll's "Voted so far" on its message, kept current with few edits.

Every committed button vote marks its poll; the message is edited at most once per
``INTERVAL`` seconds per poll (a burst of a thousand votes becomes a handful of edits, well
within Discord's edit limits), the first edit ``SETTLE`` seconds after a quiet spell, and the
last one soon after a burst ends. The count is read from the database, never kept here.
"""

from __future__ import annotations

import asyncio
import logging

from bot import render
from bot.discord_io.poster import Poster
from bot.discord_io.registry import OpenPolls
from bot.discord_io.voters import Voters
from bot.domain import nonces
from bot.services.predictions import PredictionService
from bot.services.votes import VoteService
from bot.snapshots.predictions import OpenPollRef

log = logging.getLogger(__name__)

#: At most one edit of a poll's message per this many seconds.
INTERVAL = 5.0
#: After a quiet spell, the first vote's edit waits this long (so a burst's start is one edit).
SETTLE = 1.0
#: At most this long a close waits for a count edit under way.
STOP_WAIT = 5.0


class SealedCounts:
    """Edit sealed polls' messages to their current count, coalesced per poll."""

    def __init__(
        self,
        predictions: PredictionService,
        votes: VoteService,
        poster: Poster,
        polls: OpenPolls,
        voters: Voters,
        *,
        interval: float = INTERVAL,
        settle: float = SETTLE,
    ) -> None:
        self._predictions = predictions
        self._votes = votes
        self._poster = poster
        self._polls = polls
        self._voters = voters
        self._interval = interval
        self._settle = settle
        #: Loop time of each poll's last edit (by message id).
        self._last: dict[int, float] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        #: Polls that changed while their edit was running: edited once more after it.
        self._dirty: set[int] = set()
        #: Edits made, to watch.
        self.edits = 0
        polls.when_closed(self.forget)

    def changed(self, ref: OpenPollRef) -> None:
        """Take note that a poll's count changed: its message is edited soon."""
        message_id = ref.message_id
        if message_id in self._running:
            self._dirty.add(message_id)
            return
        if message_id in self._timers:
            return
        loop = asyncio.get_running_loop()
        delay = max(self._settle, self._last.get(message_id, -1e9) + self._interval - loop.time())
        self._timers[message_id] = loop.call_later(delay, self._start, ref)

    def forget(self, message_id: int) -> None:
        """Stop editing a poll that closed (its closed form is someone else's)."""
        timer = self._timers.pop(message_id, None)
        if timer is not None:
            timer.cancel()
        self._dirty.discard(message_id)
        self._last.pop(message_id, None)

    def _start(self, ref: OpenPollRef) -> None:
        self._timers.pop(ref.message_id, None)
        self._last[ref.message_id] = asyncio.get_running_loop().time()
        task = asyncio.ensure_future(self._edit(ref))
        self._running[ref.message_id] = task
        task.add_done_callback(lambda _: self._finished(ref))

    def _finished(self, ref: OpenPollRef) -> None:
        self._running.pop(ref.message_id, None)
        if ref.message_id in self._dirty:
            self._dirty.discard(ref.message_id)
            if ref.message_id in self._polls:
                self.changed(ref)

    async def _edit(self, ref: OpenPollRef) -> None:
        try:
            view = await self._predictions.get(ref.guild_id, ref.number)
            poll = view.poll
            if poll is None or poll.id != ref.poll_id or not poll.is_open:
                return
            embed = render.poll_message(
                view,
                poll,
                marker=nonces.poll_message(poll.id, poll.opened_at),
                voter_role=self._voters.role_of(ref.guild_id),
                voted=await self._votes.count(poll.id),
            )
            if ref.message_id not in self._polls:  # closed meanwhile: leave its closed form
                return
            if await self._poster.edit(ref.guild_id, ref.channel_id, ref.message_id, embed):
                self.edits += 1
        except Exception:
            log.exception("could not show poll %s's count", ref.poll_id)

    async def settled(self, message_id: int) -> None:
        """Wait for the count edit under way on a message, if any (before its closed form)."""
        running = self._running.get(message_id)
        if running is not None:
            done, _ = await asyncio.wait([running], timeout=STOP_WAIT)
            if not done:  # stuck: it must not land after the closed form
                running.cancel()

    async def stop(self) -> None:
        """Cancel the edits waiting; let those under way end."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=STOP_WAIT)
