"""/leaderboard, /stats, /scorecard and /export."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.domain.months import Month
from bot.exts.checks import Gate, admin_command, cooled_command, guild_id_of
from bot.exts.options import Set
from bot.exts.replies import Replier
from bot.services.export import ExportService
from bot.snapshots.guilds import SetRef
from bot.workflows.boards import BoardCommands

if TYPE_CHECKING:
    from bot.app import CalledItBot

#: The zip's name, and Discord's upload limit for a server without boosts (bytes).
EXPORT_NAME = "calledit-export.zip"
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
#: The HTTP status Discord answers an upload over the limit with.
REQUEST_TOO_LARGE = 413


class BreakdownView(discord.ui.View):
    """Previous / next buttons for the breakdown under /stats."""

    def __init__(
        self,
        boards: BoardCommands,
        guild_id: int,
        member_id: int,
        in_set: SetRef | None,
        pages: int,
        page: int = 1,
    ) -> None:
        super().__init__(timeout=600)
        self.boards = boards
        self.guild_id, self.member_id, self.in_set, self.page = guild_id, member_id, in_set, page
        self.previous.disabled = page <= 1
        self.next.disabled = page >= pages

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, _: discord.ui.Button[BreakdownView]
    ) -> None:
        """Show the previous page."""
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(
        self, interaction: discord.Interaction, _: discord.ui.Button[BreakdownView]
    ) -> None:
        """Show the next page."""
        await self._show(interaction, self.page + 1)

    async def _show(self, interaction: discord.Interaction, page_number: int) -> None:
        shown = await self.boards.breakdown(self.guild_id, self.member_id, page_number, self.in_set)
        view = BreakdownView(
            self.boards, self.guild_id, self.member_id, self.in_set, shown.pages, shown.page
        )
        embeds = list(interaction.message.embeds) if interaction.message else []
        embeds = [*embeds[:1], render.breakdown(shown)]
        await interaction.response.edit_message(embeds=embeds, view=view)


class Boards(commands.Cog):
    """Leaderboards and records."""

    def __init__(
        self, boards: BoardCommands, export: ExportService, reply: Replier, gate: Gate
    ) -> None:
        self._boards = boards
        self._export = export
        self._reply = reply
        self._gate = gate

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Run the command's checks: admins only, cooldowns."""
        return await self._gate.allows(interaction)

    @cooled_command
    @app_commands.command(
        name="leaderboard",
        description="Who called it: a month's board (default this month) or all time",
    )
    @app_commands.describe(
        month="YYYY-MM, e.g. 2025-03 (default: this month)",
        all_time="Show the all-time board instead",
        image="Attach the board as a picture (default: yes)",
        set_="Only this prediction set (default: every set)",
    )
    @app_commands.rename(set_="set")
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        month: app_commands.Range[str, 1, 7] | None = None,
        all_time: bool = False,
        image: bool = True,
        set_: Set | None = None,
    ) -> None:
        """Show a leaderboard with the caller's own row, and its card."""
        guild_id = guild_id_of(interaction)
        parsed = Month.parse(month) if month else None  # a bad month is refused before deferring
        await interaction.response.defer()
        answer = await self._boards.leaderboard(
            guild_id,
            _server(interaction),
            parsed,
            all_time=all_time,
            caller=interaction.user.id,
            image=image,
            in_set=set_,
        )
        await self._reply(interaction, embed=answer.embed, files=answer.files)

    @cooled_command
    @app_commands.command(
        name="stats", description="A member's votes, points, accuracy, peer score and rank"
    )
    @app_commands.describe(
        member="Whose stats (default: yours)",
        image="Attach the member card (default: yes)",
        set_="Only this prediction set (default: every set)",
    )
    @app_commands.rename(set_="set")
    async def stats(
        self,
        interaction: discord.Interaction,
        member: discord.User | None = None,
        image: bool = True,
        set_: Set | None = None,
    ) -> None:
        """Show a member's record and card."""
        guild_id = guild_id_of(interaction)
        await interaction.response.defer()
        target = member or interaction.user
        answer = await self._boards.stats(
            guild_id,
            _server(interaction),
            target.id,
            target.display_name,
            image=image,
            in_set=set_,
        )
        detail = answer.breakdown
        view = (
            BreakdownView(self._boards, guild_id, target.id, set_, detail.pages)
            if detail is not None and detail.pages > 1
            else None
        )
        embeds = [answer.embed, render.breakdown(detail)] if detail else [answer.embed]
        await self._reply(interaction, embeds=embeds, files=answer.files, view=view)
        if detail and target.id == interaction.user.id and any(i.sealed for i in detail.items):
            # Sealed votes stay private: the member sees their own in a reply only they see.
            own = render.breakdown(detail, own_sealed=True)
            await self._reply(interaction, embed=own, ephemeral=True)

    @cooled_command
    @app_commands.command(
        name="scorecard",
        description="How a source's predictions fared, and the community's majority",
    )
    @app_commands.describe(
        source="A source such as GPT-4o (default: every source)",
        image="Attach the grid of predictions (default: yes)",
        set_="Only this prediction set (default: every set)",
    )
    @app_commands.rename(set_="set")
    async def scorecard(
        self,
        interaction: discord.Interaction,
        source: app_commands.Range[str, 1, 100] | None = None,
        image: bool = True,
        set_: Set | None = None,
    ) -> None:
        """Show scorecards and their grid (an unknown source is told privately, before deferring)."""
        guild_id = guild_id_of(interaction)
        cards = self._boards
        if image:
            await cards.check_source(guild_id, source, set_)
            await interaction.response.defer()
        answer = await cards.scorecard(
            guild_id, _server(interaction), source, image=image, in_set=set_
        )
        await self._reply(interaction, embed=answer.embed, files=answer.files)

    @app_commands.command(
        name="export",
        description="Download predictions, votes, resolutions and scores as CSV (admins)",
    )
    @admin_command
    async def export(self, interaction: discord.Interaction) -> None:
        """Send the CSV files in one .zip, or the command to run when it is over the limit."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = guild_id_of(interaction)
        data = await self._export.zip_archive(guild_id)
        limit = interaction.guild.filesize_limit if interaction.guild else DEFAULT_UPLOAD_LIMIT
        if len(data) <= limit:
            try:
                await self._reply(
                    interaction,
                    content="Here is your server's data: predictions, votes, resolutions, scores.",
                    files=[discord.File(io.BytesIO(data), filename=EXPORT_NAME)],
                    ephemeral=True,
                )
                return
            except discord.HTTPException as exc:
                if exc.status != REQUEST_TOO_LARGE:
                    raise
        await self._reply(
            interaction, content=render.export_too_big(guild_id, len(data)), ephemeral=True
        )


def _server(interaction: discord.Interaction) -> str:
    """Return the server's name for a card."""
    return interaction.guild.name if interaction.guild is not None else "this server"


async def setup(bot: CalledItBot) -> None:
    """Add the cog with the board commands and the export."""
    services = bot.services
    await bot.add_cog(
        Boards(
            bot.workflows.boards,
            services.export,
            Replier(services.notices),
            Gate(services.guilds, bot.cooldowns),
        )
    )
