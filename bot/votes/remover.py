"""The remover of superseded reactions: takes a member's older option off a poll message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

import discord
from discord.http import HTTPClient

from bot.discord_io.access import Access
from bot.discord_io.registry import OpenPolls
from bot.domain import notices
from bot.domain.outcomes import Choice
from bot.services.admin_teller import AdminTeller
from bot.snapshots.predictions import OpenPollRef

log = logging.getLogger(__name__)

#: Removals waiting at most. Each is a request within Discord's rate limits (a few a second),
#: so a flood of changed votes can queue far more than will be sent for hours. Past this they
#: are dropped and their polls noted (``take_dropped``); once the queue is down to half, the
#: scheduler reads those polls back, which counts what members still hold and queues the older
#: reactions' removal again.
MAX_WAITING = 10_000


class ReactionRemover:
    """Remove reactions in the background, one request at a time, within the rate limits.

    Without Manage Messages in a guild it stops trying there (the latest reaction still
    wins), logs it once and tells the admins; `/setup check` finding it back resumes it.
    At MAX_WAITING removals waiting, more are dropped (one warning until the queue is down to
    half) and their polls are handed to the read-back by ``take_dropped``.
    """

    def __init__(
        self,
        http: HTTPClient,
        access: Access,
        polls: OpenPolls,
        notices_: AdminTeller,
        current: Callable[[int, int], Choice | None] | None = None,
    ) -> None:
        self._http = http
        self._access = access
        self._polls = polls
        self._notices = notices_
        #: A member's vote now, so a reaction they cast again is never taken off.
        self._current = current
        self._queue: asyncio.Queue[tuple[int, int, int, Choice]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._cannot: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Removals dropped since the queue was last below half of MAX_WAITING (0: none).
        self._dropped = 0
        #: Poll messages with dropped removals, to be read back (take_dropped).
        self._dropped_on: set[int] = set()

    def start(self) -> None:
        """Start the background removals."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="calledit-reaction-remover")

    async def stop(self) -> None:
        """Stop the background removals."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def superseded(self, items: Iterable[tuple[int, int, Choice]]) -> None:
        """Queue the removal of (message, member, option) reactions a newer vote replaced."""
        queue = self._queue
        for message_id, member_id, old in items:
            ref = self._polls.get(message_id)
            if ref is None or not self.can_remove(ref):
                continue
            if queue.qsize() >= MAX_WAITING:
                self._drop(message_id)
            else:
                queue.put_nowait((ref.channel_id, message_id, member_id, old))

    def take_dropped(self) -> list[int]:
        """Return and forget the poll messages with dropped removals, once the queue has room.

        Until those polls are read back, a member whose older reaction stayed and who then
        takes the newer one off holds a reaction the database does not count.
        """
        if not self._dropped_on or self._queue.qsize() >= MAX_WAITING // 2:
            return []
        taken = sorted(self._dropped_on)
        self._dropped_on.clear()
        return taken

    def _drop(self, message_id: int) -> None:
        """Drop a removal for a full queue and note its poll; warn at the first of a run."""
        if not self._dropped:
            log.warning(
                "%d removals of older reactions are waiting for Discord's rate limits; "
                "dropping more, and reading their polls back once fewer wait",
                MAX_WAITING,
            )
        self._dropped += 1
        self._dropped_on.add(message_id)

    def can_remove(self, ref: OpenPollRef) -> bool:
        """Tell whether the bot may remove others' reactions on a poll (Manage Messages)."""
        if ref.guild_id in self._cannot:
            return False
        if self._access.may_manage_messages(ref.guild_id, ref.channel_id):
            return True
        self._lacks_manage_messages(ref.guild_id, ref.channel_id)
        return False

    def resume(self, guild_id: int) -> None:
        """Remove again in a guild where Manage Messages was found back."""
        self._cannot.discard(guild_id)

    def _lacks_manage_messages(self, guild_id: int, channel_id: int) -> None:
        if guild_id in self._cannot:
            return
        self._cannot.add(guild_id)
        log.warning(
            "guild %s: I lack Manage Messages, so members' older reactions stay; "
            "the latest reaction is their vote",
            guild_id,
        )
        task = asyncio.ensure_future(
            self._notices.tell(guild_id, notices.no_manage_messages(channel_id))
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _loop(self) -> None:
        while True:
            channel_id, message_id, member_id, old = await self._queue.get()
            if self._dropped and self._queue.qsize() < MAX_WAITING // 2:
                log.info("dropped %d removals of older reactions", self._dropped)
                self._dropped = 0
            ref = self._polls.get(message_id)
            if ref is None or ref.guild_id in self._cannot:
                continue
            if self._current is not None and self._current(message_id, member_id) is old:
                continue  # they went back to it (A, B, A) before this removal's turn
            try:
                await self._http.remove_reaction(channel_id, message_id, old.emoji, member_id)
            except discord.Forbidden:
                self._lacks_manage_messages(ref.guild_id, channel_id)
            except discord.HTTPException:
                log.warning("could not remove an older reaction", exc_info=True)
