"""/prediction: list, sets, show, add, edit, overdue, remove, resolve, unresolve, dispute, import."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.domain.community import REASON_MAX
from bot.domain.edits import PredictionEdit
from bot.domain.errors import InvalidInput
from bot.domain.inputs import (
    CRITERIA_MAX,
    NOTE_MAX,
    SOURCE_MAX,
    STATEMENT_MAX,
    TITLE_MAX,
    URL_MAX,
    parse_date,
)
from bot.domain.outcomes import Outcome
from bot.domain.seedfile import MAX_BYTES, SUFFIXES, SeedDefaults, parse_bytes
from bot.exts.checks import Gate, admin_command, guild_id_of
from bot.exts.options import Number, Set
from bot.exts.replies import Replier
from bot.services.disputes import DisputeService
from bot.services.predictions import PredictionService
from bot.services.reminders import ReminderService
from bot.services.sets import SetService
from bot.workflows.closing import PollClosing
from bot.workflows.disputing import Disputing
from bot.workflows.editing import PredictionEditing
from bot.workflows.resolving import Resolving

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)

Status = Literal["all", "open", "polling", "resolved", "unresolved", "archived"]
OutcomeName = Literal["came_true", "partly", "did_not", "void"]


#: Said when a dispute is filed: its reason is not private.
PUBLIC_REASON = "Your reason is shown to everyone in /prediction show."


class ListView(discord.ui.View):
    """Previous / next buttons for /prediction list."""

    def __init__(
        self, predictions: PredictionService, guild_id: int, status: str, page: int, pages: int
    ) -> None:
        super().__init__(timeout=600)
        self.predictions = predictions
        self.guild_id, self.status, self.page = guild_id, status, page
        self.previous.disabled = page <= 1
        self.next.disabled = page >= pages

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, _: discord.ui.Button[ListView]
    ) -> None:
        """Show the previous page."""
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[ListView]) -> None:
        """Show the next page."""
        await self._show(interaction, self.page + 1)

    async def _show(self, interaction: discord.Interaction, page_number: int) -> None:
        page = await self.predictions.list(self.guild_id, self.status, page_number)
        view = ListView(self.predictions, self.guild_id, self.status, page.page, page.pages)
        await interaction.response.edit_message(
            embed=render.prediction_list(page, self.status), view=view
        )


class Predictions(
    commands.GroupCog, group_name="prediction", group_description="Predictions and their resolution"
):
    """Prediction commands."""

    def __init__(
        self,
        predictions: PredictionService,
        sets: SetService,
        disputes: DisputeService,
        reminders: ReminderService,
        disputing: Disputing,
        editing: PredictionEditing,
        closing: PollClosing,
        resolving: Resolving,
        reply: Replier,
        gate: Gate,
    ) -> None:
        self._predictions = predictions
        self._sets = sets
        self._disputes = disputes
        self._reminders = reminders
        self._disputing = disputing
        self._editing = editing
        self._closing = closing
        self._resolving = resolving
        self._reply = reply
        self._gate = gate

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Run the command's checks: admins only, cooldowns."""
        return await self._gate.allows(interaction)

    @app_commands.command(name="list", description="List predictions, 10 a page")
    @app_commands.describe(status="Which predictions to show (default: all not archived)")
    async def list_(self, interaction: discord.Interaction, status: Status = "all") -> None:
        """List predictions."""
        guild_id = guild_id_of(interaction)
        page = await self._predictions.list(guild_id, status, 1)
        view = (
            ListView(self._predictions, guild_id, status, page.page, page.pages)
            if page.pages > 1
            else None
        )
        await self._reply(interaction, embed=render.prediction_list(page, status), view=view)

    @app_commands.command(
        name="sets", description="The prediction sets: source, count, resolved, open polls"
    )
    async def sets(self, interaction: discord.Interaction) -> None:
        """List the guild's prediction sets."""
        found = await self._sets.list(guild_id_of(interaction))
        await self._reply(interaction, embed=render.set_list(found))

    @app_commands.command(
        name="show", description="Show a prediction: statement, poll tally, resolution"
    )
    @app_commands.describe(prediction="The prediction's number (type to search by title)")
    async def show(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Show one prediction."""
        guild_id = guild_id_of(interaction)
        shown = await self._predictions.get(guild_id, prediction)
        disputes = await self._disputes.open_of(guild_id, prediction)
        await self._reply(interaction, embed=render.prediction_detail(shown, disputes))

    @app_commands.command(
        name="dispute",
        description="Tell the admins a resolution is wrong; your reason is public in /prediction show",
    )
    @app_commands.describe(
        prediction="The resolved prediction's number",
        reason="Why the outcome is wrong: shown to everyone in /prediction show, as you write it",
    )
    async def dispute(
        self,
        interaction: discord.Interaction,
        prediction: Number,
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        """Dispute a resolution."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        filed = await self._disputing.dispute(
            guild_id_of(interaction), prediction, interaction.user.id, reason
        )
        await self._reply(
            interaction,
            content=f"Your dispute of #{filed.number} (resolved {filed.outcome.label}) is "
            f"with the admins. {PUBLIC_REASON}",
            ephemeral=True,
        )

    @app_commands.command(name="add", description="Add a prediction (admins)")
    @app_commands.describe(
        title="A short title",
        statement="What exactly is predicted",
        source="Who made it (default: community)",
        made_on="When it was made, YYYY-MM-DD (default: today)",
        due="When it should have come true, YYYY-MM-DD (default: end of that year)",
        criteria="How it will be judged",
        set_="The set it belongs to (default: Added here)",
    )
    @app_commands.rename(set_="set")
    @admin_command
    async def add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        statement: app_commands.Range[str, 1, STATEMENT_MAX],
        source: app_commands.Range[str, 1, SOURCE_MAX] | None = None,
        made_on: app_commands.Range[str, 1, 10] | None = None,
        due: app_commands.Range[str, 1, 10] | None = None,
        criteria: app_commands.Range[str, 1, CRITERIA_MAX] | None = None,
        set_: Set | None = None,
    ) -> None:
        """Add a prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        added = await self._predictions.add(
            guild_id_of(interaction),
            title=title,
            statement=statement,
            source=source,
            made_on=parse_date(made_on, "made_on date") if made_on else None,
            due=parse_date(due, "due date") if due else None,
            criteria=criteria,
            set_name=set_.name if set_ else None,
        )
        await self._reply(
            interaction,
            content=f"Added prediction #{added.number}"
            + (f" to {render.cut(set_.name, 100)}." if set_ else "."),
            embed=render.prediction_detail(added),
            ephemeral=True,
        )

    @app_commands.command(name="edit", description="Edit a prediction; votes are kept (admins)")
    @app_commands.describe(prediction="The prediction's number", due="YYYY-MM-DD")
    @admin_command
    async def edit(
        self,
        interaction: discord.Interaction,
        prediction: Number,
        title: app_commands.Range[str, 1, TITLE_MAX] | None = None,
        statement: app_commands.Range[str, 1, STATEMENT_MAX] | None = None,
        source: app_commands.Range[str, 1, SOURCE_MAX] | None = None,
        due: app_commands.Range[str, 1, 10] | None = None,
        criteria: app_commands.Range[str, 1, CRITERIA_MAX] | None = None,
    ) -> None:
        """Edit a prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        changes = PredictionEdit(
            title=title,
            statement=statement,
            source=source,
            due=parse_date(due, "due date") if due else None,
            criteria=criteria,
        )
        edited = await self._editing.edit(guild_id_of(interaction), prediction, changes)
        await self._reply(
            interaction,
            content=render.edited(edited),
            embed=render.prediction_detail(edited.prediction),
            ephemeral=True,
        )

    @app_commands.command(
        name="overdue",
        description="Predictions past their due date and still unresolved, with tallies (admins)",
    )
    @admin_command
    async def overdue(self, interaction: discord.Interaction) -> None:
        """List overdue predictions."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        items = await self._reminders.overdue(guild_id_of(interaction))
        await self._reply(interaction, embed=render.overdue(items), ephemeral=True)

    @app_commands.command(
        name="remove", description="Archive a prediction; it stays in history and boards (admins)"
    )
    @admin_command
    async def remove(self, interaction: discord.Interaction, prediction: Number) -> None:
        """Archive a prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        archived = await self._closing.archive(guild_id_of(interaction), prediction)
        await self._reply(
            interaction,
            content=f"Archived prediction #{archived.number}: {render.cut(archived.title, 200)}",
            ephemeral=True,
        )

    @app_commands.command(
        name="resolve", description="Resolve a prediction and announce it (admins)"
    )
    @app_commands.describe(
        prediction="The prediction's number",
        outcome="What happened",
        note="A short explanation",
        evidence="A link (http or https) to the evidence",
    )
    @admin_command
    async def resolve(
        self,
        interaction: discord.Interaction,
        prediction: Number,
        outcome: OutcomeName,
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
        evidence: app_commands.Range[str, 1, URL_MAX] | None = None,
    ) -> None:
        """Resolve a prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._resolving.resolve(
            guild_id_of(interaction),
            prediction,
            Outcome(outcome),
            actor=interaction.user.id,
            note=note,
            evidence=evidence,
            here=interaction.channel_id,
        )
        await self._reply(
            interaction,
            content=f"Resolved #{prediction} as {Outcome(outcome).label}.",
            ephemeral=True,
        )

    @app_commands.command(
        name="unresolve",
        description="Withdraw a resolution; boards change, history is kept (admins)",
    )
    @admin_command
    async def unresolve(
        self,
        interaction: discord.Interaction,
        prediction: Number,
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
    ) -> None:
        """Unresolve a prediction."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._resolving.unresolve(
            guild_id_of(interaction),
            prediction,
            actor=interaction.user.id,
            note=note,
            here=interaction.channel_id,
        )
        await self._reply(
            interaction, content=f"Prediction #{prediction} is open again.", ephemeral=True
        )

    @app_commands.command(
        name="import",
        description="Add or update predictions from a .toml, .md or .csv file (admins)",
    )
    @app_commands.describe(
        file="A prediction set: .toml, .md or .csv, at most 256 KiB",
        source="Who made the predictions, for a file that lacks it",
        made_on="When they were made, YYYY-MM-DD, for a file that lacks it",
        due="When they should have come true, YYYY-MM-DD, for a file that lacks it",
    )
    @admin_command
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        source: app_commands.Range[str, 1, SOURCE_MAX] | None = None,
        made_on: app_commands.Range[str, 1, 10] | None = None,
        due: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        """Load a prediction set from an attachment: all of it or, on any error, nothing."""
        defaults = SeedDefaults(
            source,
            parse_date(made_on, "made_on date") if made_on else None,
            parse_date(due, "due date") if due else None,
        )
        guild_id = guild_id_of(interaction)
        filename = file.filename
        if not filename.lower().endswith(SUFFIXES):
            raise InvalidInput(
                f"'{render.cut(filename, 60)}' is not a prediction set: use .toml, .md or .csv."
            )
        if file.size > MAX_BYTES:
            raise InvalidInput(
                f"'{render.cut(filename, 60)}' is {file.size:,} bytes; "
                f"the limit is {MAX_BYTES:,} bytes ({MAX_BYTES // 1024} KiB)."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException:
            raise InvalidInput("I couldn't download that file from Discord; try again.") from None
        # Validated before anything is written, off the event loop: votes keep flowing.
        seed = await asyncio.to_thread(parse_bytes, data, filename, defaults=defaults)
        report = await self._predictions.load_seed(guild_id, seed)
        log.info("guild %s imported %s by %s", guild_id, seed.key, interaction.user.id)
        await self._reply(
            interaction,
            content=(
                f"Imported {render.cut(filename, 60)}: {report.added} added, "
                f"{report.updated} updated, {report.unchanged} unchanged."
            ),
            ephemeral=True,
        )


async def setup(bot: CalledItBot) -> None:
    """Add the cog with the services it reads and the workflows it calls."""
    services, flows = bot.services, bot.workflows
    await bot.add_cog(
        Predictions(
            services.predictions,
            services.sets,
            services.disputes,
            services.reminders,
            flows.disputing,
            flows.editing,
            flows.closing,
            flows.resolving,
            Replier(services.notices),
            Gate(services.guilds, bot.cooldowns),
        )
    )
