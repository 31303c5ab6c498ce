"""The admin channel: the admins' notices (and disputes) posted there, each once."""

from __future__ import annotations

import logging
import zlib

from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.domain import nonces
from bot.services.guilds import GuildService
from bot.services.notices import NoticeService

log = logging.getLogger(__name__)


class AdminChannel:
    """Post each notice no admin has seen yet in the guild's admin channel, then mark it shown.

    A notice that can't be posted there (no channel set, a channel the bot can't use) stays
    unseen, so it goes into the next admin's reply as without an admin channel.
    """

    def __init__(
        self, guilds: GuildService, notices: NoticeService, poster: Poster, access: Access
    ) -> None:
        self._guilds = guilds
        self._notices = notices
        self._poster = poster
        self._access = access
        self._busy: set[int] = set()

    async def deliver(self, guild_id: int) -> int:
        """Post a guild's unseen notices in its admin channel; return how many were posted."""
        if guild_id in self._busy or not self._access.connected(guild_id):
            return 0  # posting here may itself record a notice: no loop
        self._busy.add(guild_id)
        try:
            return await self._deliver(guild_id)
        finally:
            self._busy.discard(guild_id)

    async def deliver_all(self) -> None:
        """Post every guild's unseen notices in its admin channel (the scheduler's catch-up)."""
        for config in await self._guilds.with_admin_channel():
            if not self._access.connected(config.guild_id):
                continue  # a guild of another process's shards
            try:
                await self.deliver(config.guild_id)
            except Exception:  # one guild failing must not stop the others
                log.exception("delivering the notices of guild %s failed", config.guild_id)

    async def _deliver(self, guild_id: int) -> int:
        channel_id = (await self._guilds.get(guild_id)).admin_channel_id
        if channel_id is None:
            return 0
        posted = 0
        for notice in await self._notices.unshown(guild_id):
            digest = zlib.crc32(f"{notice.key}\n{notice.text}".encode())
            message = await self._poster.send(
                guild_id,
                channel_id,
                "the notices for the admins",
                nonce=nonces.admin_notice(guild_id, digest),
                content=f"⚠️ {notice.text}",
            )
            if message is None:
                break  # the channel can't be used now: the rest go into admins' replies
            await self._notices.mark_shown(guild_id, notice)
            posted += 1
        return posted
