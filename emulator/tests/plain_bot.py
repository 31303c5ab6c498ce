"""A plain discord.py client with a command tree, and what its handlers saw (no product code).

Imported by the tests as ``plain_bot``: pytest puts this folder on ``sys.path`` (the tests
are not a package, so their names cannot clash with the product's ``tests`` package).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands
from discord_emulator import Emulator, Guild


@dataclass
class Bot:
    """A plain discord.py client plus what its handlers saw."""

    client: discord.Client
    tree: app_commands.CommandTree
    guild: Guild
    reactions: list[discord.RawReactionActionEvent] = field(default_factory=list)
    removed: list[discord.RawReactionActionEvent] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    resumed: int = 0
    connects: int = 0


class Buttons(discord.ui.View):
    """A view with one button that updates its message."""

    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="Go", custom_id="go")
    async def go(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"clicked by {interaction.user.id}")


def build_client(emu: Emulator, guild: Guild, intents: discord.Intents | None = None) -> Bot:
    """Build a discord.Client with a tree of test commands."""
    if intents is None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True
    client = discord.Client(intents=intents)
    tree = app_commands.CommandTree(client)
    bot = Bot(client, tree, guild)
    gobj = discord.Object(guild.id)

    @tree.command(name="ping", description="Ping", guild=gobj)
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @tree.command(name="secret", description="Ephemeral", guild=gobj)
    async def secret(interaction: discord.Interaction) -> None:
        perms = interaction.permissions
        await interaction.response.send_message(
            f"manage_guild={perms.manage_guild}", ephemeral=True
        )

    @tree.command(name="slow", description="Deferred then followed up", guild=gobj)
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done", embed=discord.Embed(title="Result"))

    @tree.command(name="edit", description="Deferred then edited", guild=gobj)
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="edited")

    @tree.command(name="file", description="Sends a file", guild=gobj)
    async def file(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "here", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="data.csv")
        )

    @tree.command(name="buttons", description="Sends a button", guild=gobj)
    async def buttons(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("press", view=Buttons())

    @tree.command(name="late", description="Answers too late", guild=gobj)
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(emu.interaction_timeout + 0.1)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            bot.errors.append(exc)

    @tree.command(name="settings", description="Admins only", guild=gobj)
    @app_commands.default_permissions(manage_guild=True)
    async def settings(
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        timeout: int = 1,  # noqa: ASYNC109
    ) -> None:
        await interaction.response.send_message(f"{channel.name} {timeout}")

    group = app_commands.Group(name="poll", description="Polls", guild_ids=[guild.id])

    @group.command(name="create", description="Create")
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="Yes/No", value="yn"),
            app_commands.Choice(name="Multi", value="multi"),
        ]
    )
    async def create(
        interaction: discord.Interaction,
        question: str,
        count: int,
        kind: app_commands.Choice[str],
        ratio: float = 0.5,
        public: bool = True,
        who: discord.Member | None = None,
        where: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        parts = [question, str(count), kind.value, str(ratio), str(public)]
        parts.append(who.name if who else "-")
        parts.append(where.name if where else "-")
        parts.append(role.name if role else "-")
        await interaction.response.send_message("|".join(parts))

    admin = app_commands.Group(name="admin", description="Admin", parent=group)

    @admin.command(name="close", description="Close")
    async def close(interaction: discord.Interaction, poll_id: int) -> None:
        await interaction.response.send_message(f"closed {poll_id}")

    tree.add_command(group)

    async def fruit_auto(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        fruits = ["apple", "apricot", "banana", "cherry"]
        return [app_commands.Choice(name=f, value=f) for f in fruits if f.startswith(current)]

    @tree.command(name="pick", description="Pick a fruit", guild=gobj)
    @app_commands.autocomplete(fruit=fruit_auto)
    async def pick(interaction: discord.Interaction, fruit: str) -> None:
        await interaction.response.send_message(f"picked {fruit}")

    @client.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        bot.reactions.append(payload)

    @client.event
    async def on_raw_reaction_remove(payload: discord.RawReactionActionEvent) -> None:
        bot.removed.append(payload)

    @client.event
    async def on_resumed() -> None:
        bot.resumed += 1

    @client.event
    async def on_connect() -> None:
        bot.connects += 1

    return bot


async def eventually(predicate: Any, timeout: float = 3.0) -> None:  # noqa: ASYNC109
    """Poll until predicate() is truthy."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
