"""Answering an interaction: mentions always disabled, new notices for admins appended."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.domain.notices import Notice
from bot.exts.checks import ADMIN
from bot.render import with_notices
from bot.services.notices import NoticeService
from db.faults import describe, outage_of

log = logging.getLogger(__name__)


class Replier:
    """Answer interactions; an admin's private answer carries the notices no admin has seen."""

    def __init__(self, notices: NoticeService) -> None:
        self._notices = notices

    async def __call__(
        self,
        interaction: discord.Interaction,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        embeds: list[discord.Embed] | None = None,
        ephemeral: bool = False,
        view: discord.ui.View | None = None,
        files: list[discord.File] | None = None,
        showing: Sequence[Notice] = (),
    ) -> None:
        """Answer an interaction whether or not it was deferred; mentions are always disabled.

        An admin's ephemeral reply also carries the notices no admin has seen yet (what the bot
        can't do, members' disputes): those that fit whole, then how many more are waiting.
        ``showing`` are notices the embed shows whole: marked seen with them once delivered.
        """
        # Only once acknowledged (deferred): reading notices must never eat into Discord's 3 s.
        done = interaction.response.is_done()
        guild_id = interaction.guild_id
        shown: list[Notice] = []
        if ephemeral and done and interaction.extras.get(ADMIN) and guild_id is not None:
            try:
                unseen = await self._notices.unshown(guild_id)
            except Exception as exc:
                if outage_of(exc) is None:
                    raise
                # The database is out: the answer goes without notices (they stay unseen).
                log.info("notices left for a later reply: the database is out (%s)", describe(exc))
            else:
                content, shown = with_notices(content, [n for n in unseen if n not in showing])
        shown += showing  # the embed shows these whole (/setup show's problems)
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
        if shown and guild_id is not None:  # seen only once delivered whole; the rest come again
            await self._notices.mark_shown(guild_id, *shown)
