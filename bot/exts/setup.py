"""/setup: per-guild settings (admins); each command calls the settings workflow once."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.domain.ballots import BallotStyle
from bot.domain.community import DISPUTE_HOURS_MAX
from bot.exts.checks import Gate, admin_command, guild_id_of
from bot.exts.replies import Replier
from bot.snapshots.guilds import GuildConfig
from bot.workflows.settings import Settings

if TYPE_CHECKING:
    from bot.app import CalledItBot

_ZONES = sorted(zoneinfo.available_timezones())


@app_commands.default_permissions(manage_guild=True)
class Setup(
    commands.GroupCog,
    group_name="setup",
    group_description="Called It settings for this server (admins)",
):
    """Settings commands: each parses its option, calls the settings workflow, replies."""

    def __init__(self, settings: Settings, reply: Replier, gate: Gate) -> None:
        self._settings = settings
        self._reply = reply
        self._gate = gate

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Run the command's checks: admins only, cooldowns."""
        return await self._gate.allows(interaction)

    @app_commands.command(name="show", description="Show this server's settings")
    @admin_command
    async def show(self, interaction: discord.Interaction) -> None:
        """Show settings."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await self._settings.show(guild_id_of(interaction))
        await self._reply(
            interaction,
            embed=render.settings(shown.config, shown.problems, shown.served),
            ephemeral=True,
            showing=render.problems_shown(shown.problems),
        )

    @app_commands.command(
        name="check", description="Check my permissions where I post, and list what I can't do"
    )
    @admin_command
    async def check(self, interaction: discord.Interaction) -> None:
        """Check the bot's permissions in the configured channels and show the problems."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await self._settings.check(guild_id_of(interaction))
        await self._reply(
            interaction,
            embed=render.settings(shown.config, shown.problems),
            ephemeral=True,
            showing=render.problems_shown(shown.problems),
        )

    @app_commands.command(name="polls-channel", description="Where polls and results are posted")
    @admin_command
    async def polls_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Set the polls channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self._settings.polls_channel(guild_id_of(interaction), channel.id)
        await self._settled(interaction, "Polls channel set.", config)

    @app_commands.command(
        name="leaderboard-channel", description="Where the monthly leaderboard is posted"
    )
    @admin_command
    async def leaderboard_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Set the leaderboard channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self._settings.leaderboard_channel(guild_id_of(interaction), channel.id)
        await self._settled(interaction, "Leaderboard channel set.", config)

    @app_commands.command(
        name="admin-role", description="A role whose members may run admin commands"
    )
    @admin_command
    async def admin_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        """Set the admin role."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self._settings.admin_role(guild_id_of(interaction), role)
        await self._settled(interaction, "Admin role set.", config)

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
        config = await self._settings.admin_channel(
            guild_id_of(interaction), channel.id if channel else None
        )
        text = "Admin channel set." if channel else "Admin channel cleared: notices come here."
        await self._settled(interaction, text, config)

    @app_commands.command(name="threads", description="A discussion thread on each new poll")
    @app_commands.describe(mode="on: each new poll gets a public thread; off: none")
    @admin_command
    async def threads(self, interaction: discord.Interaction, mode: Literal["on", "off"]) -> None:
        """Turn poll threads on or off."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self._settings.poll_threads(guild_id_of(interaction), mode == "on")
        text = "New polls get a thread." if mode == "on" else "New polls get no thread."
        await self._settled(interaction, text, config)

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
        config = await self._settings.champion_role(
            guild_id_of(interaction), role, interaction.user
        )
        text = "Champion role set." if role else "Champion role cleared."
        await self._settled(interaction, text, config)

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
        config = await self._settings.voter_role(guild_id_of(interaction), role)
        text = "Voter role set: new polls say who may vote." if role else "Everyone votes."
        await self._settled(interaction, text, config)

    @app_commands.command(
        name="ballots", description="How new polls take votes: reactions, or sealed ballots"
    )
    @app_commands.describe(
        style="reactions: a public tally; sealed: buttons, each vote private with a receipt, "
        "the tally hidden until the poll closes"
    )
    @admin_command
    async def ballots(
        self, interaction: discord.Interaction, style: Literal["reactions", "sealed"]
    ) -> None:
        """Set the ballot style of new polls."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self._settings.ballot_style(guild_id_of(interaction), BallotStyle(style))
        text = (
            "New polls are sealed ballots: members vote by button, the tally stays hidden "
            "until each poll closes."
            if style == "sealed"
            else "New polls take votes by reaction."
        )
        await self._settled(interaction, text, config)

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
        config = await self._settings.dispute_hours(guild_id_of(interaction), hours)
        text = f"Disputes: {hours} hours after each resolution." if hours else "Disputes off."
        await self._settled(interaction, text, config)

    @app_commands.command(
        name="web", description="This server's public web pages: boards, predictions, members"
    )
    @app_commands.describe(mode="on: anyone with the link sees them; off: every page is a 404")
    @admin_command
    async def web(self, interaction: discord.Interaction, mode: Literal["on", "off"]) -> None:
        """Turn the server's public pages on or off, and answer with their link."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await self._settings.web(guild_id_of(interaction), mode == "on")
        text = render.web_answer(shown.config.web_enabled, shown.path, shown.link)
        await self._settled(interaction, text, shown.config)

    @app_commands.command(
        name="timezone", description="The time zone months are counted in, e.g. Europe/Paris"
    )
    @admin_command
    async def timezone(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]
    ) -> None:
        """Set the time zone."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self._settings.timezone(guild_id_of(interaction), name)
        await self._settled(interaction, "Time zone set.", config)

    async def _settled(
        self, interaction: discord.Interaction, text: str, config: GuildConfig
    ) -> None:
        """Reply to a settings change: what changed, and the settings now."""
        await self._reply(interaction, content=text, embed=render.settings(config), ephemeral=True)

    @timezone.autocomplete("name")
    async def _zones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower().replace(" ", "_")
        return [app_commands.Choice(name=z, value=z) for z in _ZONES if needle in z.lower()][:25]


async def setup(bot: CalledItBot) -> None:
    """Add the cog with the settings workflow."""
    services = bot.services
    await bot.add_cog(
        Setup(
            bot.workflows.settings,
            Replier(services.notices),
            Gate(services.guilds, bot.cooldowns),
        )
    )
