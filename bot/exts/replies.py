"""Answering an interaction: mentions always disabled, new notices for admins appended."""

from __future__ import annotations

import logging

import discord

from bot.exts.checks import ADMIN, bot_of
from bot.render import with_notices
from db.faults import describe, outage_of

log = logging.getLogger(__name__)


async def reply(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """Answer an interaction whether or not it was deferred; mentions are always disabled.

    An admin's ephemeral reply also carries any new notice of what the bot can't do.
    """
    # Only once acknowledged (deferred): reading notices must never eat into Discord's 3 s.
    done = interaction.response.is_done()
    if ephemeral and done and interaction.extras.get(ADMIN) and interaction.guild_id is not None:
        try:
            fresh = await bot_of(interaction).services.notices.take_new(interaction.guild_id)
        except Exception as exc:
            if outage_of(exc) is None:
                raise
            # The database is out: the answer goes without notices (they stay unseen).
            log.info("notices left for a later reply: the database is out (%s)", describe(exc))
        else:
            content = with_notices(content, fresh)
    kwargs: dict[str, object] = {"allowed_mentions": discord.AllowedMentions.none()}
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if embeds:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = files
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)  # type: ignore[arg-type]
