"""Who may run a command: servers only, and admins (Manage Server or the admin role)."""

from __future__ import annotations

from typing import TypeVar

import discord
from discord import app_commands

from bot.domain.cooldowns import Cooldowns
from bot.domain.roles import admin_role_problem
from bot.services.guilds import GuildService

T = TypeVar("T")

#: Set in an interaction's extras once its user passed the admin check.
ADMIN = "calledit_admin"
#: Marks on a command's callback: admins only, and one use per member every few seconds.
ADMIN_ONLY = "__calledit_admin_only__"
COOLED = "__calledit_cooled__"


class NotAdmin(app_commands.CheckFailure):
    """The caller lacks Manage Server and the configured admin role."""


class NotInGuild(app_commands.CheckFailure):
    """The command was used outside a server."""


class OnCooldown(app_commands.CheckFailure):
    """The member used this command a moment ago."""


def guild_id_of(interaction: discord.Interaction) -> int:
    """Return the interaction's guild id, refusing DMs."""
    if interaction.guild_id is None:
        raise NotInGuild("Called It works in servers only.")
    return interaction.guild_id


class Gate:
    """Run a command's marked checks: admins only (on the server side), cooldowns."""

    def __init__(self, guilds: GuildService, cooldowns: Cooldowns) -> None:
        self._guilds = guilds
        self._cooldowns = cooldowns

    async def allows(self, interaction: discord.Interaction) -> bool:
        """Check what the command is marked with; raise a CheckFailure saying why not."""
        callback = getattr(interaction.command, "callback", None)
        if getattr(callback, ADMIN_ONLY, False):
            await self.is_admin(interaction)
        if getattr(callback, COOLED, False):
            self.not_on_cooldown(interaction)
        return True

    async def is_admin(self, interaction: discord.Interaction) -> bool:
        """Check Manage Server or the configured admin role, on the server side."""
        guild_id = guild_id_of(interaction)
        if interaction.permissions.manage_guild or interaction.permissions.administrator:
            interaction.extras[ADMIN] = True
            return True
        config = await self._guilds.get(guild_id)
        roles = getattr(interaction.user, "roles", [])
        if config.admin_role_id is not None and any(
            r.id == config.admin_role_id
            and admin_role_problem(is_everyone=r.is_default(), managed=r.managed) is None
            for r in roles
        ):  # an @everyone or managed admin role stored before they were refused grants nothing
            interaction.extras[ADMIN] = True
            return True
        raise NotAdmin(
            "Only admins can do that: you need Manage Server or the Called It admin role."
        )

    def not_on_cooldown(self, interaction: discord.Interaction) -> bool:
        """Let a member run a heavy command once every few seconds per server."""
        guild_id = guild_id_of(interaction)
        command = interaction.command.qualified_name if interaction.command else "?"
        left = self._cooldowns.wait(guild_id, interaction.user.id, command)
        if left:
            raise OnCooldown(f"Slow down: try /{command} again in {left} s.")
        return True


def admin_command(func: T) -> T:
    """Make a command admins-only: checked by the bot itself; Manage Server is Discord's hint."""
    setattr(func, ADMIN_ONLY, True)
    return app_commands.default_permissions(manage_guild=True)(func)  # type: ignore[return-value]


def cooled_command(func: T) -> T:
    """Limit a command to one use per member and server every few seconds."""
    setattr(getattr(func, "callback", func), COOLED, True)
    return func
