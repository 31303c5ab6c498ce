"""/setup: per-guild settings (admins)."""

from __future__ import annotations

import zoneinfo

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.exts.checks import admin_command, bot_of, guild_id_of
from bot.exts.replies import reply

_ZONES = sorted(zoneinfo.available_timezones())


@app_commands.default_permissions(manage_guild=True)
class Setup(
    commands.GroupCog,
    group_name="setup",
    group_description="Called It settings for this server (admins)",
):
    """Settings commands."""

    @app_commands.command(name="show", description="Show this server's settings")
    @admin_command
    async def show(self, interaction: discord.Interaction) -> None:
        """Show settings."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        config = await bot.services.guilds.get(guild_id)
        problems = await bot.services.notices.active(guild_id, mark_shown=True)
        served = f"{bot.scope.describe(guild_id)}, process {bot.process}"
        await reply(interaction, embed=render.settings(config, problems, served), ephemeral=True)

    @app_commands.command(
        name="check", description="Check my permissions where I post, and list what I can't do"
    )
    @admin_command
    async def check(self, interaction: discord.Interaction) -> None:
        """Check the bot's permissions in the configured channels and show the problems."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        problems = await bot.workflows.access_check.run(guild_id)
        config = await bot.services.guilds.get(guild_id)
        await reply(interaction, embed=render.settings(config, problems), ephemeral=True)

    @app_commands.command(name="polls-channel", description="Where polls and results are posted")
    @admin_command
    async def polls_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Set the polls channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        services, guild_id = bot_of(interaction).services, guild_id_of(interaction)
        config = await services.guilds.set_polls_channel(guild_id, channel.id)
        await services.notices.clear_deleted_channels(guild_id)
        await reply(
            interaction, content="Polls channel set.", embed=render.settings(config), ephemeral=True
        )

    @app_commands.command(
        name="leaderboard-channel", description="Where the monthly leaderboard is posted"
    )
    @admin_command
    async def leaderboard_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Set the leaderboard channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await bot_of(interaction).services.guilds.set_leaderboard_channel(
            guild_id_of(interaction), channel.id
        )
        await reply(
            interaction,
            content="Leaderboard channel set.",
            embed=render.settings(config),
            ephemeral=True,
        )

    @app_commands.command(
        name="admin-role", description="A role whose members may run admin commands"
    )
    @admin_command
    async def admin_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        """Set the admin role."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await bot_of(interaction).services.guilds.set_admin_role(
            guild_id_of(interaction), role.id
        )
        await reply(
            interaction, content="Admin role set.", embed=render.settings(config), ephemeral=True
        )

    @app_commands.command(
        name="timezone", description="The time zone months are counted in, e.g. Europe/Paris"
    )
    @admin_command
    async def timezone(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]
    ) -> None:
        """Set the time zone."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await bot_of(interaction).services.guilds.set_timezone(
            guild_id_of(interaction), name
        )
        await reply(
            interaction, content="Time zone set.", embed=render.settings(config), ephemeral=True
        )

    @timezone.autocomplete("name")
    async def _zones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower().replace(" ", "_")
        return [app_commands.Choice(name=z, value=z) for z in _ZONES if needle in z.lower()][:25]


async def setup(bot: commands.Bot) -> None:
    """Add the cog."""
    await bot.add_cog(Setup())
