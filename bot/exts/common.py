"""What every feature's commands share: the admin check, the prediction option, replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.errors import InvalidInput
from bot.exts.render import with_notices

if TYPE_CHECKING:
    from bot.app import CalledItBot


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
    if config.admin_role_id is not None and any(r.id == config.admin_role_id for r in roles):
        interaction.extras[ADMIN] = True
        return True
    raise NotAdmin("Only admins can do that: you need Manage Server or the Called It admin role.")


def admin_only():  # type: ignore[no-untyped-def]
    """Decorate an app command: admins only (checked here; the permission is a hint too)."""
    return app_commands.check(is_admin)


class PredictionNumber(app_commands.Transformer):
    """A prediction typed as its number (or '#3'), autocompleted by number and title."""

    async def transform(self, interaction: discord.Interaction, value: str | int) -> int:
        """Turn the submitted text into a number; the service checks it exists."""
        text = str(value).strip().lstrip("#").split(" ", 1)[0]
        if not text.isdigit() or not 0 < int(text) < 1_000_000:
            shown = str(value)[:40] + ("…" if len(str(value)) > 40 else "")
            raise InvalidInput(f"'{shown}' is not a prediction number. Pick one from the list.")
        return int(text)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        """Offer predictions whose number or title matches what was typed."""
        if interaction.guild_id is None:
            return []
        found = await bot_of(interaction).services.predictions.search(interaction.guild_id, value)
        return [
            app_commands.Choice(name=_choice_name(number, title), value=str(number))
            for number, title in found[:25]
        ]


def _choice_name(number: int, title: str) -> str:
    name = f"#{number} {title}"
    return name if len(name) <= 100 else name[:99] + "…"


async def reply(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """Answer an interaction whether or not it was deferred; mentions are always disabled.

    An admin's ephemeral reply also carries any new notice of what the bot can't do.
    """
    if ephemeral and interaction.extras.get(ADMIN) and interaction.guild_id is not None:
        fresh = await bot_of(interaction).services.notices.take_new(interaction.guild_id)
        content = with_notices(content, fresh)
    kwargs: dict[str, object] = {"allowed_mentions": discord.AllowedMentions.none()}
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = files
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)  # type: ignore[arg-type]
