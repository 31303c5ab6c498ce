"""/setup check: the bot's permissions where it posts, recorded as notices or cleared."""

from __future__ import annotations

from collections.abc import Sequence

from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.discord_io.registry import OpenPolls
from bot.domain import notices
from bot.domain.notices import Notice
from bot.services.admin_teller import AdminTeller
from bot.services.guilds import GuildService
from bot.services.notices import NoticeService
from bot.votes.remover import ReactionRemover


class AccessCheck:
    """Check every channel the bot posts in; record what's missing, clear what's fixed."""

    def __init__(
        self,
        guilds: GuildService,
        notices_service: NoticeService,
        poster: Poster,
        access: Access,
        polls: OpenPolls,
        remover: ReactionRemover,
        notices_: AdminTeller,
    ) -> None:
        self._guilds = guilds
        self._notice_service = notices_service
        self._poster = poster
        self._access = access
        self._polls = polls
        self._remover = remover
        self._notices = notices_

    async def run(self, guild_id: int) -> list[Notice]:
        """Check a guild now and return its active notices.

        The polls channel and the channels of open polls need what a poll needs (Manage
        Messages is reported apart: without it polls still work); the leaderboard channel
        needs what posting and checking an interrupted post need.
        """
        config = await self._guilds.get(guild_id)
        poll_channels = {ref.channel_id for ref in self._polls.all(guild_id)}
        if config.polls_channel_id:
            poll_channels.add(config.polls_channel_id)
        wanted: dict[int, tuple[str, Sequence[str]]] = {}
        board = config.leaderboard_channel_id or config.polls_channel_id
        if board is not None:
            wanted[board] = ("the monthly leaderboard", notices.TO_VERIFY)
        if config.admin_channel_id is not None:
            wanted[config.admin_channel_id] = ("the notices for the admins", notices.TO_VERIFY)
        for channel_id in poll_channels:
            wanted[channel_id] = ("polls", notices.TO_POLL)
        fine: list[str] = []
        for channel_id, (what, needed) in sorted(wanted.items()):
            if await self._poster.may_post(guild_id, channel_id, what, needed):
                fine.extend((notices.posting_key(channel_id), notices.reading_key(channel_id)))
        manage_ok = True
        for channel_id in sorted(poll_channels):
            if self._access.lacking(guild_id, channel_id, ("manage_messages",)):
                manage_ok = False
                await self._notices.tell(guild_id, notices.no_manage_messages(channel_id))
            else:
                fine.append(notices.manage_messages_key(channel_id))
        if manage_ok:
            self._remover.resume(guild_id)
        await self._notices.fixed(guild_id, *fine)
        return await self._notice_service.active(guild_id)  # seen once shown: the caller marks
