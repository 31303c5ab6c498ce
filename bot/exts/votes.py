"""Votes: the vote path's intake installed on the gateway, and deleted channels followed.

A vote's way: gateway event -> the intake (bot/votes/intake.py: one of our open polls?) -> the
filter (bot/votes/filter.py: an option emoji? not a bot? a voter?) -> the vote writer's ordered
queue -> the votes service (one statement per batch) -> the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import CalledItBot


class Votes(commands.Cog):
    """Take reaction events inline (no message cache needed) and follow deleted channels."""

    def __init__(self, bot: CalledItBot) -> None:
        self._bot = bot
        flows = bot.workflows
        self._intake = flows.intake
        self._voters = bot.discord_io.voters
        self._moderation = flows.moderation
        self._guilds = bot.services.guilds

    async def cog_load(self) -> None:
        """Take reaction events inline: in arrival order, with no task per event."""
        self._voters.load(await self._guilds.voter_roles())
        self._intake.install(self._bot._connection.parsers)
        self._bot.add_intake(self._intake.stop)

    async def cog_unload(self) -> None:
        """Stop taking reaction events."""
        self._intake.stop()

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Close the open polls of a deleted channel and tell the admins."""
        await self._moderation.channel_deleted(channel.guild.id, channel.id)


async def setup(bot: commands.Bot) -> None:
    """Add the cog."""
    await bot.add_cog(Votes(bot))  # type: ignore[arg-type]
