"""What the bot may do in a channel, read from the gateway's cache (no request spent)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import discord

from bot.domain import notices

#: Seconds an answer of may_manage_messages is reused: the vote path asks it for every
#: changed or retracted vote, and working out a channel's permissions costs more than the vote.
MANAGE_TTL = 1.0
#: Channels remembered at most; past that the memory starts over.
MANAGE_KEPT = 10_000


class Access:
    """Look up the bot's permissions in the cached guilds."""

    def __init__(
        self,
        get_guild: Callable[[int], discord.Guild | None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._get_guild = get_guild
        self._monotonic = monotonic
        self._manage: dict[tuple[int, int], tuple[float, bool]] = {}

    def lacking(self, guild_id: int, channel_id: int, needed: Sequence[str]) -> list[str] | None:
        """Return the needed permissions the bot lacks in a channel.

        None means the channel is unknown in a known guild (deleted, or hidden from the bot);
        an unknown guild gives [] (try, and learn from Discord's answer).
        """
        guild = self._get_guild(guild_id)
        if guild is None or guild.me is None:
            return []
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            return None
        perms = channel.permissions_for(guild.me)
        return notices.missing({name: getattr(perms, name) for name in needed}, needed)

    def may_manage_messages(self, guild_id: int, channel_id: int) -> bool:
        """Tell whether the bot may remove others' reactions in a channel (unknown: try).

        A known answer is reused for MANAGE_TTL seconds, or until the gateway tells of a change
        that may move the bot's permissions (``forget``, from the client's dispatch: in order
        with the reactions around it).
        """
        now = self._monotonic()
        known = self._manage.get((guild_id, channel_id))
        if known is not None and known[0] > now:
            return known[1]
        guild = self._get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or channel is None or guild.me is None:
            return True  # unknown here: try, and learn from a 403
        may = channel.permissions_for(guild.me).manage_messages
        if len(self._manage) >= MANAGE_KEPT:
            self._manage.clear()
        self._manage[(guild_id, channel_id)] = (now + MANAGE_TTL, may)
        return may

    def forget(self) -> None:
        """Drop the reused answers: a channel, role, member or server the bot is in changed."""
        self._manage.clear()

    def system_channel(self, guild_id: int) -> int | None:
        """Return a guild's system channel, the last place to post a board."""
        guild = self._get_guild(guild_id)
        system = guild.system_channel if guild is not None else None
        return system.id if system is not None else None

    def guild_name(self, guild_id: int) -> str | None:
        """Return a cached guild's name, None when it is not cached."""
        guild = self._get_guild(guild_id)
        return guild.name if guild is not None else None

    def connected(self, guild_id: int) -> bool:
        """Tell whether this process is connected to a guild now."""
        return self._get_guild(guild_id) is not None
