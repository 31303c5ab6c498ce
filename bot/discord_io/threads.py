"""Poll threads: a public thread on each poll message, locked and archived when it closes."""

from __future__ import annotations

import logging

import discord

from bot.discord_io.access import Access
from bot.domain import notices
from bot.services.admin_teller import AdminTeller

log = logging.getLogger(__name__)

#: A week, Discord's longest auto-archive; the bot archives the thread itself at the close.
AUTO_ARCHIVE_MINUTES = 10080
NAME_MAX = 100
TO_START = ("view_channel", "create_public_threads")


class PollThreads:
    """Start and close poll threads; what the bot can't do is told, never raised."""

    def __init__(self, http: discord.http.HTTPClient, access: Access, told: AdminTeller) -> None:
        self._http = http
        self._access = access
        self._told = told

    async def start(self, guild_id: int, channel_id: int, message_id: int, name: str) -> int | None:
        """Start a public thread on a poll message; return its id, None when it can't be."""
        lacking = self._access.lacking(guild_id, channel_id, TO_START)
        if lacking is None:
            return None
        if lacking:
            await self._told.tell(guild_id, notices.no_threads(channel_id, lacking))
            return None
        name = name if len(name) <= NAME_MAX else name[: NAME_MAX - 1].rstrip() + "…"
        try:
            data = await self._http.start_thread_with_message(
                channel_id, message_id, name=name, auto_archive_duration=AUTO_ARCHIVE_MINUTES
            )
        except discord.Forbidden:
            await self._told.tell(
                guild_id, notices.no_threads(channel_id, ["a permission (Discord refused)"])
            )
            return None
        except discord.HTTPException:
            log.warning("could not start a thread on message %s", message_id, exc_info=True)
            return None
        await self._told.fixed(guild_id, notices.threads_key(channel_id))
        return int(data["id"])

    async def close(self, guild_id: int, channel_id: int, thread_id: int) -> None:
        """Lock (with Manage Threads) and archive a closed poll's thread."""
        lock = self._access.lacking(guild_id, channel_id, ("manage_threads",)) == []
        if not lock:
            await self._told.tell(guild_id, notices.no_thread_lock(channel_id))
        try:
            await self._http.edit_channel(thread_id, archived=True, locked=lock)
        except discord.NotFound:
            return  # a moderator deleted it: nothing to close
        except discord.HTTPException:
            log.warning("could not close thread %s", thread_id, exc_info=True)
