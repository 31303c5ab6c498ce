"""/poll: open, open-all, close, results; and the raw reaction events that become votes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import CalledItError
from bot.domain.outcomes import Choice
from bot.domain.rules import POLL_HOURS_MAX, POLL_HOURS_MIN
from bot.domain.votes import EventKind, VoteEvent
from bot.exts import render
from bot.exts.common import PredictionNumber, admin_only, bot_of, guild_id_of, reply

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)

Number = app_commands.Transform[int, PredictionNumber]
Hours = app_commands.Range[int, POLL_HOURS_MIN, POLL_HOURS_MAX]
Channel = discord.TextChannel


class Polls(
    commands.GroupCog, group_name="poll", group_description="Community polls on predictions"
):
    """Poll commands and the reaction listeners."""

    def __init__(self, bot: CalledItBot) -> None:
        self.bot = bot

    @app_commands.command(name="open", description="Post a poll on a prediction (admins)")
    @app_commands.describe(
        prediction="The prediction's number",
        hours="How long it runs (default 168 = a week)",
        channel="Where to post (default: the polls channel)",
    )
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def open(
        self,
        interaction: discord.Interaction,
        prediction: Number,
        hours: Hours | None = None,
        channel: Channel | None = None,
    ) -> None:
        """Open one poll."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        channel_id = await _target_channel(interaction, channel)
        poll, message_id = await bot.publisher.open_poll(
            guild_id, prediction, channel_id, hours, interaction.user.id
        )
        link = f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
        await reply(
            interaction,
            content=f"Poll on #{prediction} is open until {render.ts(poll.closes_at)}: {link}",
            ephemeral=True,
        )

    @app_commands.command(
        name="open-all",
        description="Open a poll for every unresolved prediction without one (admins)",
    )
    @app_commands.describe(
        hours="How long they run (default 168 = a week)",
        channel="Where to post (default: the polls channel)",
    )
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def open_all(
        self,
        interaction: discord.Interaction,
        hours: Hours | None = None,
        channel: Channel | None = None,
    ) -> None:
        """Open polls for every pollable prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        channel_id = await _target_channel(interaction, channel)
        opened, failed = [], []
        for number in await bot.services.polls.pollable(guild_id):
            try:
                await bot.publisher.open_poll(
                    guild_id, number, channel_id, hours, interaction.user.id
                )
                opened.append(number)
            except CalledItError as exc:
                failed.append(f"#{number}: {exc.message}")
                if "can't post" in exc.message:
                    break
        text = (
            f"Opened {len(opened)} poll{'s' if len(opened) != 1 else ''} in <#{channel_id}>."
            if opened
            else "No prediction needed a poll."
        )
        if failed:
            text += "\n" + "\n".join(failed)
        await reply(interaction, content=render.cut(text, render.CONTENT_MAX), ephemeral=True)

    @app_commands.command(
        name="close", description="Close a poll early and post the result (admins)"
    )
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def close(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Close one poll now."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        read = await bot.publisher.read_back_prediction(guild_id, prediction)
        if read.closed is not None:
            await reply(interaction, content=read.problem or "", ephemeral=True)
            return
        await bot.vote_writer.flush()  # votes that arrived during the read-back count
        closed = await bot.services.polls.close(guild_id, prediction)
        await bot.publisher.closed(closed)
        await reply(
            interaction,
            content=f"Closed the poll on #{prediction}: {render.tally_line(closed.prediction.tally)}",
            ephemeral=True,
        )

    @app_commands.command(
        name="resync", description="Re-read poll reactions and fix the recorded votes (admins)"
    )
    @app_commands.describe(prediction="One prediction's poll (default: every open poll)")
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def resync(
        self, interaction: discord.Interaction, prediction: Number | None = None
    ) -> None:
        """Reconcile open polls with their reactions."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), guild_id_of(interaction)
        if prediction is not None:
            results = [await bot.publisher.read_back_prediction(guild_id, prediction)]
        else:
            results = await bot.publisher.reconcile_all(guild_id)
        await reply(interaction, content=render.resync_summary(results), ephemeral=True)

    @app_commands.command(name="results", description="Show a prediction's live tally")
    async def results(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Show the live tally."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = bot_of(interaction)
        await bot.vote_writer.flush()
        view = await bot.services.predictions.get(guild_id_of(interaction), prediction)
        await reply(interaction, embed=render.prediction_detail(view), ephemeral=True)

    # -- votes: raw events keyed by the stored message id; no message cache needed ----------

    async def cog_load(self) -> None:
        """Take reaction events inline: in arrival order, with no task per event."""
        self.bot.add_inline_listener("raw_reaction_add", self.on_reaction_add)
        self.bot.add_inline_listener("raw_reaction_remove", self.on_reaction_remove)

    async def cog_unload(self) -> None:
        """Stop taking reaction events."""
        self.bot.remove_inline_listener("raw_reaction_add")
        self.bot.remove_inline_listener("raw_reaction_remove")

    def on_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Cast or change a vote."""
        self._vote(payload, EventKind.CAST)

    def on_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Retract a vote if it still has this choice."""
        if self._vote(payload, EventKind.RETRACT):
            self.bot.publisher.retracted(payload.message_id)

    def _vote(self, payload: discord.RawReactionActionEvent, kind: EventKind) -> bool:
        """Queue a vote event if this reaction is one; return whether it was."""
        bot = self.bot
        ref = bot.publisher.open_polls.get(payload.message_id)
        if ref is None or payload.emoji.id is not None or payload.guild_id != ref.guild_id:
            return False
        choice = Choice.from_emoji(payload.emoji.name or "")
        if choice is None or (bot.user is not None and payload.user_id == bot.user.id):
            return False
        if payload.member is not None and payload.member.bot:
            return False
        bot.vote_writer.put(
            VoteEvent(kind, payload.message_id, payload.user_id, choice, bot.services.clock.now())
        )
        return True


async def _target_channel(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel | None
) -> int:
    if channel is not None:
        return channel.id
    config = await bot_of(interaction).services.guilds.get(guild_id_of(interaction))
    if config.polls_channel_id is not None:
        return config.polls_channel_id
    if interaction.channel_id is None:
        raise CalledItError("Pick a channel, or set one with /setup polls-channel.")
    return interaction.channel_id


async def setup(bot: commands.Bot) -> None:
    """Add the cog."""
    await bot.add_cog(Polls(bot))  # type: ignore[arg-type]
