"""Votes: reaction events become vote events, inline, in arrival order.

A vote's way: gateway event -> the lean intake (bot/discord_io/reaction_events.py: one of our
open polls?) -> this handler (an option emoji? not a bot? a voter?) -> the vote writer's
ordered queue -> the votes service (one statement per batch) -> the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_io import reaction_events
from bot.discord_io.reaction_events import Reaction
from bot.domain.outcomes import Choice
from bot.domain.votes import EventKind, VoteEvent, vote_choice

if TYPE_CHECKING:
    from bot.app import CalledItBot


class Votes(commands.Cog):
    """The reaction listeners, keyed by the stored message id (no message cache needed)."""

    def __init__(self, bot: CalledItBot) -> None:
        self._bot = bot
        flows = bot.workflows
        self._polls = bot.discord_io.polls
        self._writer = flows.writer
        self._read_back = flows.read_back
        self._moderation = flows.moderation
        self._voters = bot.discord_io.voters
        self._remover = flows.remover
        self._now = bot.services.clock.now
        self._uninstall: Callable[[], None] | None = None

    async def cog_load(self) -> None:
        """Take reaction events inline: in arrival order, with no task per event."""
        self._voters.load(await self._bot.services.guilds.voter_roles())
        self._uninstall = reaction_events.install(
            self._bot._connection.parsers,
            self._polls.__contains__,
            self.on_reaction_add,
            self.on_reaction_remove,
        )
        self._bot.add_inline_listener("raw_reaction_clear", self.on_reaction_clear)
        self._bot.add_inline_listener("raw_reaction_clear_emoji", self.on_reaction_clear_emoji)
        self._bot.add_intake(self.stop_taking)

    async def cog_unload(self) -> None:
        """Stop taking reaction events."""
        self.stop_taking()

    def stop_taking(self) -> None:
        """Stop taking reaction events, at once (also the first step of closing the bot)."""
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None
        self._bot.remove_inline_listener("raw_reaction_clear")
        self._bot.remove_inline_listener("raw_reaction_clear_emoji")

    def on_reaction_add(self, seen: Reaction) -> None:
        """Cast or change a vote."""
        self._vote(seen, EventKind.CAST)

    def on_reaction_remove(self, seen: Reaction) -> None:
        """Retract a vote if it still has this choice."""
        if self._vote(seen, EventKind.RETRACT):
            self._read_back.after_retraction(seen.message_id)

    def on_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        """A moderator removed every reaction: every vote on the poll goes."""
        self._clear(payload.message_id, payload.guild_id, None)

    def on_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        """A moderator removed one emoji entirely: the votes for that option go."""
        choice = vote_choice(payload.emoji.id, payload.emoji.name, by_bot=False)
        if choice is not None:
            self._clear(payload.message_id, payload.guild_id, choice)
            # Without Manage Messages a member may still hold another option: read it back.
            self._read_back.after_retraction(payload.message_id)

    def _clear(self, message_id: int, guild_id: int | None, choice: Choice | None) -> None:
        ref = self._polls.get(message_id)
        if ref is not None and ref.guild_id == guild_id:
            self._writer.put(VoteEvent(EventKind.CLEAR, message_id, 0, choice, self._now()))

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Close the open polls of a deleted channel and tell the admins."""
        await self._moderation.channel_deleted(channel.guild.id, channel.id)

    def _vote(self, seen: Reaction, kind: EventKind) -> bool:
        """Queue a vote event if this reaction is one; return whether it was."""
        ref = self._polls.get(seen.message_id)
        if ref is None or ref.guild_id != seen.guild_id:  # not a poll of that server
            return False
        me = self._bot.user
        by_bot = (me is not None and seen.user_id == me.id) or seen.by_bot
        choice = vote_choice(seen.emoji_id, seen.emoji_name, by_bot=by_bot)
        if choice is None:
            return False
        # Reaction adds carry the member; removals don't.
        roles = seen.roles if seen.member else None
        if not self._voters.may_vote(ref.guild_id, roles, seen.user_id):
            if kind is EventKind.CAST:  # not a voter: ignored, and taken off when allowed
                self._remover.superseded([(seen.message_id, seen.user_id, choice)])
            return False
        self._writer.put(
            VoteEvent(
                kind,
                seen.message_id,
                seen.user_id,
                choice,
                self._now(),
                seen.display_name,
                ref.guild_id,
            )
        )
        return True


async def setup(bot: commands.Bot) -> None:
    """Add the cog."""
    await bot.add_cog(Votes(bot))  # type: ignore[arg-type]
