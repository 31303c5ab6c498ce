"""A plain discord.py client whose buttons answer in every way Discord allows (no product code).

Imported by the tests as ``button_bot`` (pytest puts this folder on ``sys.path``). A panel
message carries one button per answer style; a DynamicItem (``vote:<choice>``) is the
persistent kind a bot registers at start so clicks on old messages reach a new process.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import discord

SLOW = 0.5  # seconds the "slow" button sleeps: longer than the tests' interaction timeout


@dataclass
class Seen:
    """What the bot's handlers saw of each interaction (as discord.py parsed it)."""

    interactions: list[discord.Interaction] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"vote:(?P<choice>\w+)"):
    """A persistent button whose custom_id carries the choice; answers privately."""

    seen: Seen | None = None

    def __init__(self, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=choice.title(), style=discord.ButtonStyle.primary, custom_id=f"vote:{choice}"
            )
        )
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        """Rebuild the button from its custom_id."""
        return cls(match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answer the member privately with their vote."""
        if self.seen is not None:
            self.seen.interactions.append(interaction)
        await interaction.response.send_message(f"You voted {self.choice}", ephemeral=True)


def vote_view(*choices: str) -> discord.ui.View:
    """Return a view with one VoteButton per choice."""
    view = discord.ui.View(timeout=None)
    for choice in choices:
        view.add_item(VoteButton(choice))
    return view


class Answer(discord.ui.Modal, title="Your answer"):
    """A modal with one text input; answers privately with what was typed."""

    text: discord.ui.TextInput[Answer] = discord.ui.TextInput(label="Answer", custom_id="text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Echo the answer privately."""
        await interaction.response.send_message(f"got {self.text.value}", ephemeral=True)


class Inner(discord.ui.View):
    """A view sent in an ephemeral message: its button updates that ephemeral message."""

    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="Inner", custom_id="inner")
    async def inner(self, interaction: discord.Interaction, _: discord.ui.Button[Inner]) -> None:
        """Update the ephemeral message in place (type 7)."""
        await interaction.response.edit_message(content=f"inner clicked by {interaction.user.id}")


class Panel(discord.ui.View):
    """One button per way of answering a component interaction."""

    def __init__(self, seen: Seen) -> None:
        super().__init__(timeout=None)
        self.seen = seen
        self.add_item(discord.ui.Button(label="Link", url="https://example.com/", row=2))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Record every interaction that reaches the panel."""
        self.seen.interactions.append(interaction)
        return True

    @discord.ui.button(label="Reply", custom_id="p:reply", row=0)
    async def reply(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 4: a private message with an embed and a file."""
        await interaction.response.send_message(
            "private",
            embed=discord.Embed(title="Just you"),
            file=discord.File(__file__, filename="bot.py"),
            ephemeral=True,
        )

    @discord.ui.button(label="Think", custom_id="p:think", row=0)
    async def think(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 5 (ephemeral), then the follow-up becomes the answer, then a second one."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("thought", ephemeral=True)
        await interaction.followup.send("and more", ephemeral=True)

    @discord.ui.button(label="Edit", custom_id="p:edit", row=0)
    async def edit(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 5 (public), then edit the original response."""
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="edited")

    @discord.ui.button(label="Quiet", custom_id="p:quiet", row=1)
    async def quiet(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 6, then a private follow-up."""
        await interaction.response.defer()
        await interaction.followup.send("noted", ephemeral=True)

    @discord.ui.button(label="Update", custom_id="p:update", row=1)
    async def update(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 7: update the panel message itself."""
        await interaction.response.edit_message(content=f"updated by {interaction.user.id}")

    @discord.ui.button(label="Ask", custom_id="p:ask", row=1)
    async def ask(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 9: open a modal."""
        await interaction.response.send_modal(Answer())

    @discord.ui.button(label="Private panel", custom_id="p:private", row=2)
    async def private(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Type 4 with a button inside the ephemeral message."""
        await interaction.response.send_message("only you", view=Inner(), ephemeral=True)

    @discord.ui.button(label="Slow", custom_id="p:slow", row=2)
    async def slow(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        """Answer after the interaction timeout: Discord refuses it (10062)."""
        await asyncio.sleep(SLOW)
        try:
            await interaction.response.send_message("too late", ephemeral=True)
        except discord.NotFound as exc:
            self.seen.errors.append(exc)


def make_client(seen: Seen) -> discord.Client:
    """Return a client with the panel and the vote buttons registered (persistent)."""
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents)
    VoteButton.seen = seen
    client.add_dynamic_items(VoteButton)
    client.add_view(Panel(seen))
    return client
