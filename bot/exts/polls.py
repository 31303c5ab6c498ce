"""/poll: open, open-all, close, resync, results, verify."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.domain.ballots import BallotStyle
from bot.domain.lifecycle import POLL_HOURS_MAX, POLL_HOURS_MIN
from bot.exts.checks import Gate, admin_command, guild_id_of
from bot.exts.options import Number
from bot.exts.replies import Replier
from bot.render.receipts import RECEIPT_FILE, receipt_reply
from bot.services.predictions import PredictionService
from bot.services.receipts import ReceiptService
from bot.votes.writer import VoteWriter
from bot.workflows.closing import PollClosing
from bot.workflows.opening import PollOpening
from bot.workflows.read_back import ReadBackWorkflow

if TYPE_CHECKING:
    from bot.app import CalledItBot

#: How long /poll results waits for votes still being written before showing the tally.
TALLY_WAIT = 0.5

Hours = app_commands.Range[int, POLL_HOURS_MIN, POLL_HOURS_MAX]
Channel = discord.TextChannel
Ballot = Literal["reactions", "sealed"]


class Polls(
    commands.GroupCog, group_name="poll", group_description="Community polls on predictions"
):
    """Poll commands: each parses its options, calls one workflow, and renders."""

    def __init__(
        self,
        opening: PollOpening,
        closing: PollClosing,
        read_back: ReadBackWorkflow,
        writer: VoteWriter,
        predictions: PredictionService,
        reply: Replier,
        gate: Gate,
        receipts: ReceiptService,
    ) -> None:
        self._opening = opening
        self._closing = closing
        self._read_back = read_back
        self._writer = writer
        self._predictions = predictions
        self._reply = reply
        self._gate = gate
        self._receipts = receipts

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Run the command's checks: admins only, cooldowns."""
        return await self._gate.allows(interaction)

    @app_commands.command(name="open", description="Post a poll on a prediction (admins)")
    @app_commands.describe(
        prediction="The prediction's number",
        hours="How long it runs (default 168 = a week)",
        channel="Where to post (default: the polls channel)",
        ballot="reactions (public tally) or sealed (buttons, tally hidden until close); "
        "default: the server's /setup ballots",
    )
    @admin_command
    async def open(
        self,
        interaction: discord.Interaction,
        prediction: Number,
        hours: Hours | None = None,
        channel: Channel | None = None,
        ballot: Ballot | None = None,
    ) -> None:
        """Open one poll."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = guild_id_of(interaction)
        opened = await self._opening.open(
            guild_id,
            prediction,
            channel_id=channel.id if channel else None,
            here=interaction.channel_id,
            hours=hours,
            actor=interaction.user.id,
            ballot=BallotStyle(ballot) if ballot else None,
        )
        poll = opened.poll
        link = f"https://discord.com/channels/{guild_id}/{poll.channel_id}/{opened.message_id}"
        await self._reply(
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
        ballot="reactions or sealed; default: the server's /setup ballots",
    )
    @admin_command
    async def open_all(
        self,
        interaction: discord.Interaction,
        hours: Hours | None = None,
        channel: Channel | None = None,
        ballot: Ballot | None = None,
    ) -> None:
        """Open polls for every pollable prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self._opening.open_all(
            guild_id_of(interaction),
            channel_id=channel.id if channel else None,
            here=interaction.channel_id,
            hours=hours,
            actor=interaction.user.id,
            ballot=BallotStyle(ballot) if ballot else None,
        )
        await self._reply(interaction, content=render.opened_all(result), ephemeral=True)

    @app_commands.command(
        name="close", description="Close a poll early and post the result (admins)"
    )
    @admin_command
    async def close(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Close one poll now."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self._closing.close(guild_id_of(interaction), prediction)
        if outcome.closed is None:
            await self._reply(interaction, content=outcome.problem or "", ephemeral=True)
            return
        await self._reply(
            interaction,
            content=(
                f"Closed the poll on #{prediction}: "
                f"{render.tally_line(outcome.closed.prediction.tally)}"
            ),
            ephemeral=True,
        )

    @app_commands.command(
        name="resync", description="Re-read poll reactions and fix the recorded votes (admins)"
    )
    @app_commands.describe(prediction="One prediction's poll (default: every open poll)")
    @admin_command
    async def resync(
        self, interaction: discord.Interaction, prediction: Number | None = None
    ) -> None:
        """Read open polls back from their reactions."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        read_back, guild_id = self._read_back, guild_id_of(interaction)
        if prediction is not None:
            results = [await read_back.prediction(guild_id, prediction)]
        else:
            results = await read_back.all(guild_id)
        await self._reply(interaction, content=render.read_back_summary(results), ephemeral=True)

    @app_commands.command(name="results", description="Show a prediction's live tally")
    async def results(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Show the live tally."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        writer = self._writer
        done = await writer.caught_up(TALLY_WAIT)
        view = await self._predictions.get(guild_id_of(interaction), prediction)
        message_id = view.poll.message_id if view.poll is not None else None
        waiting = writer.pending_on(message_id) if not done and message_id is not None else 0
        embed = render.prediction_detail(view, counting=waiting)
        await self._reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(
        name="verify", description="Get the proof that your sealed ballot is in the result"
    )
    @app_commands.describe(prediction="The prediction whose closed sealed poll you voted in")
    async def verify(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Answer privately with the member's receipt and its JSON for `calledit verify`."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        receipt = await self._receipts.receipt_for(
            guild_id_of(interaction), prediction, interaction.user.id
        )
        attached = discord.File(io.BytesIO(receipt.to_json().encode()), filename=RECEIPT_FILE)
        await self._reply(
            interaction,
            content=receipt_reply(receipt, prediction),
            files=[attached],
            ephemeral=True,
        )


async def setup(bot: CalledItBot) -> None:
    """Add the cog with the poll workflows, the vote writer and the predictions."""
    flows = bot.workflows
    await bot.add_cog(
        Polls(
            flows.opening,
            flows.closing,
            flows.read_back,
            flows.writer,
            bot.services.predictions,
            Replier(bot.services.notices),
            Gate(bot.services.guilds, bot.cooldowns),
            bot.services.receipts,
        )
    )
