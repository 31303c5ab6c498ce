"""Who may run a command: servers only, and admins (Manage Server or the admin role)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

from bot.domain.roles import admin_role_problem

if TYPE_CHECKING:
    from bot.app import CalledItBot

T = TypeVar("T")

#: Set in an interaction's extras once its user passed the admin check.
ADMIN = "calledit_admin"


class NotAdmin(app_commands.CheckFailure):
    """The caller lacks Manage Server and the configured admin role."""


class NotInGuild(app_commands.CheckFailure):
    """The command was used outside a server."""


def bot_of(interaction: discord.Interaction) -> CalledItBot:
    """Return our bot from an interaction."""
    return interaction.client  # type: ignore[return-value]


def guild_id_of(interaction: discord.Interaction) -> int:
    """Return the interaction's guild id, refusing DMs."""
    if interaction.guild_id is None:
        raise NotInGuild("Called It works in servers only.")
    return interaction.guild_id


async def is_admin(interaction: discord.Interaction) -> bool:
    """Check Manage Server or the configured admin role, on the server side."""
    guild_id = guild_id_of(interaction)
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        interaction.extras[ADMIN] = True
        return True
    config = await bot_of(interaction).services.guilds.get(guild_id)
    roles = getattr(interaction.user, "roles", [])
    if config.admin_role_id is not None and any(
        r.id == config.admin_role_id
        and admin_role_problem(is_everyone=r.is_default(), managed=r.managed) is None
        for r in roles
    ):  # an @everyone or managed admin role stored before they were refused grants nothing
        interaction.extras[ADMIN] = True
        return True
    raise NotAdmin("Only admins can do that: you need Manage Server or the Called It admin role.")


def admin_command(func: T) -> T:
    """Make a command admins-only: checked by the bot itself; Manage Server is Discord's hint."""
    checked = app_commands.check(is_admin)(func)  # type: ignore[arg-type]
    return app_commands.default_permissions(manage_guild=True)(checked)  # type: ignore[return-value]


class OnCooldown(app_commands.CheckFailure):
    """The member used this command a moment ago."""


async def not_on_cooldown(interaction: discord.Interaction) -> bool:
    """Let a member run a heavy command once every few seconds per server."""
    guild_id = guild_id_of(interaction)
    command = interaction.command.qualified_name if interaction.command else "?"
    left = bot_of(interaction).cooldowns.wait(guild_id, interaction.user.id, command)
    if left:
        raise OnCooldown(f"Slow down: try /{command} again in {left} s.")
    return True


def cooled_command(func: T) -> T:
    """Limit a command to one use per member and server every few seconds."""
    return app_commands.check(not_on_cooldown)(func)  # type: ignore[arg-type, return-value]
