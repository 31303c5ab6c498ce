"""/setup: per-guild settings (admins)."""

from __future__ import annotations

import zoneinfo
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.domain import notices
from bot.domain.community import DISPUTE_HOURS_MAX
from bot.domain.errors import InvalidInput
from bot.domain.roles import admin_role_problem
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
        problems = await bot.services.notices.active(guild_id)
        problems = [n for n in problems if not notices.is_dispute(n.key)]
        served = f"{bot.scope.describe(guild_id)}, process {bot.process}"
        await reply(
            interaction,
            embed=render.settings(config, problems, served),
            ephemeral=True,
            showing=render.problems_shown(problems),
        )

    @app_commands.command(
        name="check", description="Check my permissions where I post, and list what I can't do"
    )
    @admin_command
    async def check(self, interaction: discord.Interaction) -> None:
        """Check the bot's permissions in the configured channels and show the problems."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        problems = await bot.workflows.access_check.run(guild_id)
        problems = [n for n in problems if not notices.is_dispute(n.key)]
        config = await bot.services.guilds.get(guild_id)
        await reply(
            interaction,
            embed=render.settings(config, problems),
            ephemeral=True,
            showing=render.problems_shown(problems),
        )

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
        problem = admin_role_problem(is_everyone=role.is_default(), managed=role.managed)
        if problem is not None and role.is_default():  # @everyone: the problem names it
            raise InvalidInput(f"{problem}.")
        if problem is not None:
            raise InvalidInput(f"I can't use {role.mention} as the admin role: {problem}.")
        config = await bot_of(interaction).services.guilds.set_admin_role(
            guild_id_of(interaction), role.id
        )
        await reply(
            interaction, content="Admin role set.", embed=render.settings(config), ephemeral=True
        )

    @app_commands.command(
        name="admin-channel",
        description="Where I tell admins what I can't do, and members' disputes (omit: clear)",
    )
    @app_commands.describe(channel="The admins' channel; leave out to clear it (then: replies)")
    @admin_command
    async def admin_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Set or clear the admin channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        config = await bot.services.guilds.set_admin_channel(
            guild_id, channel.id if channel else None
        )
        await bot.services.notices.clear_admin_channel_gone(guild_id)
        text = "Admin channel set." if channel else "Admin channel cleared: notices come here."
        if channel is not None:
            await bot.workflows.admin_channel.deliver(guild_id)
        await reply(interaction, content=text, embed=render.settings(config), ephemeral=True)

    @app_commands.command(name="threads", description="A discussion thread on each new poll")
    @app_commands.describe(mode="on: each new poll gets a public thread; off: none")
    @admin_command
    async def threads(self, interaction: discord.Interaction, mode: Literal["on", "off"]) -> None:
        """Turn poll threads on or off."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await bot_of(interaction).services.guilds.set_poll_threads(
            guild_id_of(interaction), mode == "on"
        )
        text = "New polls get a thread." if mode == "on" else "New polls get no thread."
        await reply(interaction, content=text, embed=render.settings(config), ephemeral=True)

    @app_commands.command(
        name="champion-role",
        description="A role the month's rank-1 members get at each monthly post (omit: clear)",
    )
    @app_commands.describe(role="The champions' role; leave out to clear it")
    @admin_command
    async def champion_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        """Set or clear the champion role."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        if role is not None and (problem := bot.workflows.roles.problem(guild_id, role.id)):
            if role.is_default():  # @everyone: the problem names it already
                raise InvalidInput(f"{problem}.")
            raise InvalidInput(f"I can't use {role.mention} as the champion role: {problem}.")
        picker = interaction.user
        if role is not None and (
            problem := bot.workflows.roles.picker_problem(guild_id, role.id, picker)
        ):
            raise InvalidInput(f"You can't pick {role.mention} as the champion role: {problem}.")
        config = await bot.services.guilds.set_champion_role(guild_id, role.id if role else None)
        text = "Champion role set." if role else "Champion role cleared."
        await reply(interaction, content=text, embed=render.settings(config), ephemeral=True)

    @app_commands.command(
        name="voter-role", description="Only members with this role vote (omit: everyone votes)"
    )
    @app_commands.describe(role="The voters' role; leave out to let everyone vote")
    @admin_command
    async def voter_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        """Set or clear the voter role."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        if role is not None and role.is_default():
            raise InvalidInput(
                "@everyone can't be the voter role: leave it unset and everyone votes."
            )
        config = await bot.services.guilds.set_voter_role(guild_id, role.id if role else None)
        bot.workflows.voters.set(guild_id, config.voter_role_id)
        text = "Voter role set: new polls say who may vote." if role else "Everyone votes."
        await reply(interaction, content=text, embed=render.settings(config), ephemeral=True)

    @app_commands.command(
        name="disputes", description="How many hours after a resolution members may dispute it"
    )
    @app_commands.describe(hours="Hours after each resolution (0 turns disputes off)")
    @admin_command
    async def disputes(
        self,
        interaction: discord.Interaction,
        hours: app_commands.Range[int, 0, DISPUTE_HOURS_MAX],
    ) -> None:
        """Set the dispute window."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await bot_of(interaction).services.guilds.set_dispute_hours(
            guild_id_of(interaction), hours
        )
        text = f"Disputes: {hours} hours after each resolution." if hours else "Disputes off."
        await reply(interaction, content=text, embed=render.settings(config), ephemeral=True)

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
