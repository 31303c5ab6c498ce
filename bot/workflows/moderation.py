"""What moderators do to poll messages: reaction clears and deleted channels."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot.discord_io.poster import Poster
from bot.discord_io.registry import OpenPolls
from bot.domain import notices
from bot.domain.outcomes import POLL_EMOJI, Choice
from bot.services.admin_teller import AdminTeller
from bot.services.guilds import GuildService
from bot.services.polls import PollService
from bot.vote_writer import VoteWriter

log = logging.getLogger(__name__)


class Moderation:
    """Follow a moderator's clear or channel deletion: votes, the bot's options, the admins."""

    def __init__(
        self,
        guilds: GuildService,
        poll_service: PollService,
        polls: OpenPolls,
        writer: VoteWriter,
        poster: Poster,
        notices_: AdminTeller,
    ) -> None:
        self._guilds = guilds
        self._poll_service = poll_service
        self._polls = polls
        self._writer = writer
        self._poster = poster
        self._notices = notices_
        self._tasks: set[asyncio.Task[None]] = set()

    def reactions_cleared(self, items: Iterable[tuple[int, Choice | None, int]]) -> None:
        """Put the cleared options back and tell the admins (the writer committed the clear)."""
        for message_id, choice, votes in items:
            ref = self._polls.get(message_id)
            if ref is None:
                continue
            task = asyncio.ensure_future(
                self._after_clear(
                    ref.guild_id, ref.channel_id, message_id, ref.number, choice, votes
                )
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _after_clear(
        self,
        guild_id: int,
        channel_id: int,
        message_id: int,
        number: int,
        choice: Choice | None,
        votes: int,
    ) -> None:
        log.info("poll on #%s: reactions cleared (%s), %d vote(s) removed", number, choice, votes)
        await self._notices.tell(
            guild_id,
            notices.reactions_cleared(
                number, channel_id, None if choice is None else choice.emoji, votes
            ),
        )
        emojis = POLL_EMOJI if choice is None else (choice.emoji,)
        await self._poster.react(guild_id, channel_id, message_id, emojis)

    async def channel_deleted(self, guild_id: int, channel_id: int) -> list[int]:
        """Close the open polls of a deleted channel with their votes; return their numbers."""
        config = await self._guilds.get(guild_id)
        was_polls_channel = config.polls_channel_id == channel_id
        if was_polls_channel:
            await self._guilds.set_polls_channel(guild_id, None)
        if config.leaderboard_channel_id == channel_id:
            await self._guilds.set_leaderboard_channel(guild_id, None)
        if config.admin_channel_id == channel_id:  # notices go into admins' replies again
            await self._guilds.set_admin_channel(guild_id, None)
            await self._notices.tell(guild_id, notices.admin_channel_deleted(channel_id))
        if not self._polls.in_channel(channel_id):
            return []
        await self._writer.flush()  # the votes that arrived before the deletion count
        closed = await self._poll_service.close_in_channel(guild_id, channel_id)
        for ref in self._polls.in_channel(channel_id):
            self._polls.drop(ref.message_id)
        numbers = [c.poll.number for c in closed]
        if numbers:
            await self._notices.tell(
                guild_id, notices.polls_channel_deleted(channel_id, numbers, was_polls_channel)
            )
        return numbers

    async def stop(self) -> None:
        """Wait for the reactions being put back."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
