"""The one error handler: known errors become friendly ephemeral replies, the rest are logged."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.errors import CalledItError, Unavailable
from bot.exts.replies import Replier
from bot.render import CONTENT_MAX, cut
from db.faults import describe, outage_of

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on my side; it has been logged. Please try again in a moment."


def message_for(error: Exception) -> str | None:
    """Return the text to show for a known error, None for an unexpected one."""
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(original, CalledItError):
        return original.message
    if isinstance(error, app_commands.TransformerError) and isinstance(
        error.__cause__, CalledItError
    ):
        return error.__cause__.message
    if isinstance(error, app_commands.CommandOnCooldown):  # a CheckFailure too: test it first
        return f"Slow down: try again in {math.ceil(error.retry_after)} s."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    if isinstance(original, discord.Forbidden):
        return "Discord refused: I lack a permission for that here (check my role and the channel)."
    outage = outage_of(original)
    if outage is not None:  # the database as a whole, not this command: it rolled back
        log.warning("a command found the database %s (%s)", outage.value, describe(original))
        return Unavailable(outage.value).message
    return None


class ErrorReplies:
    """The command tree's error handler: every failed command gets an ephemeral line."""

    def __init__(self, reply: Replier) -> None:
        self._reply = reply

    async def __call__(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Answer a failed command with an ephemeral line; log an unexpected error."""
        text = message_for(error)
        if text is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", command, exc_info=error)
            text = GENERIC
        try:
            await self._reply(interaction, content=cut(text, CONTENT_MAX), ephemeral=True)
        except discord.HTTPException:
            log.warning("could not deliver an error reply", exc_info=True)


async def setup(bot: CalledItBot) -> None:
    """Install the handler on the command tree."""
    bot.tree.on_error = ErrorReplies(Replier(bot.services.notices))  # type: ignore[method-assign]
