"""What moderators do to poll messages: deleted channels (clears: bot/votes/clears.py)."""

from __future__ import annotations

import logging

from bot.discord_io.registry import OpenPolls
from bot.domain import notices
from bot.services.admin_teller import AdminTeller
from bot.services.guilds import GuildService
from bot.services.polls import PollService
from bot.votes.writer import VoteWriter

log = logging.getLogger(__name__)


class Moderation:
    """Follow a moderator's channel deletion: its polls closed with their votes, the admins told."""

    def __init__(
        self,
        guilds: GuildService,
        poll_service: PollService,
        polls: OpenPolls,
        writer: VoteWriter,
        notices_: AdminTeller,
    ) -> None:
        self._guilds = guilds
        self._poll_service = poll_service
        self._polls = polls
        self._writer = writer
        self._notices = notices_

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
