"""Typed command options: a prediction by its number, a set by its name; both autocompleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.errors import InvalidInput
from bot.domain.inputs import prediction_number
from bot.snapshots.guilds import SetRef

if TYPE_CHECKING:
    from bot.services import Services


def services_of(interaction: discord.Interaction) -> Services:
    """Return the bot's services: discord.py builds transformers from annotations, bare."""
    return interaction.client.services  # type: ignore[attr-defined, no-any-return]


class PredictionNumber(app_commands.Transformer):
    """A prediction typed as its number (or '#3'), autocompleted by number and title."""

    async def transform(self, interaction: discord.Interaction, value: str | int) -> int:
        """Turn the submitted text into a number; the service checks it exists."""
        number = prediction_number(str(value))
        if number is None:
            shown = str(value)[:40] + ("…" if len(str(value)) > 40 else "")
            raise InvalidInput(
                f"'{shown}' is not a prediction number: use the digits 0-9, or pick one "
                "from the list."
            )
        return number

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        """Offer predictions whose number or title matches what was typed."""
        if interaction.guild_id is None:
            return []
        found = await services_of(interaction).predictions.search(interaction.guild_id, value)
        return [
            app_commands.Choice(name=_choice_name(number, title), value=str(number))
            for number, title in found[:25]
        ]


def _choice_name(number: int, title: str) -> str:
    name = f"#{number} {title}"
    return name if len(name) <= 100 else name[:99] + "…"


Number = app_commands.Transform[int, PredictionNumber]


class SetName(app_commands.Transformer):
    """A prediction set typed by its name, autocompleted; checked again on submit."""

    async def transform(self, interaction: discord.Interaction, value: str) -> SetRef:
        """Return the named set of this guild, or refuse an unknown one."""
        if interaction.guild_id is None:
            raise InvalidInput("Sets live in a server; use this there.")
        return await services_of(interaction).sets.find(interaction.guild_id, str(value))

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the guild's sets whose name matches what was typed."""
        if interaction.guild_id is None:
            return []
        names = await services_of(interaction).sets.search(interaction.guild_id, value)
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]


Set = app_commands.Transform[SetRef, SetName]
