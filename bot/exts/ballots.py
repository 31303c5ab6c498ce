"""Sealed ballots' buttons: one DynamicItem, registered once, answers every press privately.

The buttons' custom_ids carry the poll (bot/domain/ballots.py), so they keep working after a
restart with no view kept per message. A press is checked and its vote put through the one
writer (bot/votes/buttons.py); the member hears back only once it is committed: within 2 s
of the click directly, else the answer is deferred (Discord allows 3 s) and followed up.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.domain.ballots import PREFIX, Refusal
from bot.metrics import Metrics
from bot.render import ballots as texts
from bot.votes.buttons import Answer, ButtonVotes, Press

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)

#: Answer directly if the vote commits within this; else defer first (Discord allows 3 s).
DEFER_AFTER = 2.0
#: How long a deferred answer waits for the commit before saying it couldn't confirm.
ANSWER_WAIT = 60.0
NO_MENTIONS = discord.AllowedMentions.none()
#: The "command" label of ballot presses in the interaction metrics.
METRIC_NAME = "ballot button"


def reply_text(later: asyncio.Future[Answer | Refusal]) -> str:
    """Render what a press came to (a failure to read it back: say so, and how to check)."""
    failure = None if later.cancelled() else later.exception()
    if later.cancelled() or failure is not None:
        log.error("a ballot press could not be read back", exc_info=failure)
        return texts.NOT_CONFIRMED
    result = later.result()
    if isinstance(result, Refusal):
        return texts.refusal(result)
    return texts.ballot_reply(result.button, result.state, result.code)


def defer_in(interaction: discord.Interaction) -> float:
    """Return how long an answer may still wait before deferring: DEFER_AFTER from creation.

    Counted from when Discord made the interaction (its id), not from when this handler got
    to it: in a burst the handler may start late, and Discord's 3 s run from the click.
    """
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return min(DEFER_AFTER, max(0.0, DEFER_AFTER - age))


async def answer(votes: ButtonVotes, interaction: discord.Interaction, custom_id: str) -> None:
    """Handle one press: refuse it in one line, or store its vote and then answer privately."""
    user = interaction.user
    roles = tuple(str(r.id) for r in user.roles) if isinstance(user, discord.Member) else None
    pressed = await votes.press(
        Press(custom_id, interaction.guild_id, user.id, roles, user.display_name)
    )
    if pressed.later is None:
        assert pressed.refusal is not None
        await interaction.response.send_message(
            texts.refusal(pressed.refusal, pressed.role),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return
    done, _ = await asyncio.wait({pressed.later}, timeout=defer_in(interaction))
    if done:
        await interaction.response.send_message(
            reply_text(pressed.later), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    done, _ = await asyncio.wait({pressed.later}, timeout=ANSWER_WAIT)
    text = reply_text(pressed.later) if done else texts.NOT_CONFIRMED
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def ballot_item(
    votes: ButtonVotes, metrics: Metrics
) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """Return the DynamicItem class that routes every press of ours to `votes` (timed)."""

    class BallotButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}[\x20-\x7e]{{0,91}}"
    ):
        """A sealed poll's button, whatever its custom_id says (checked when pressed)."""

        def __init__(self, item: discord.ui.Button[Any]) -> None:
            super().__init__(item)

        @classmethod
        async def from_custom_id(
            cls,
            interaction: discord.Interaction,
            item: discord.ui.Item[Any],
            match: Any,
            /,
        ) -> BallotButton:
            """Rebuild the button from the pressed message's component."""
            assert isinstance(item, discord.ui.Button)
            return cls(item)

        async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
            """Answer the press."""
            # In /metrics beside the commands: answer time, and late when not acknowledged in 3 s.
            timed = metrics.interaction(METRIC_NAME, interaction.response.is_done)
            try:
                with votes.answering():  # a stopping bot lets this answer go out first
                    await answer(votes, interaction, self.item.custom_id or "")
            except Exception:
                log.exception("answering a ballot button failed")
                if not interaction.response.is_done():
                    await interaction.response.send_message(
                        "Something went wrong; your press may not have counted. "
                        "Press **My vote** to check.",
                        ephemeral=True,
                    )
            finally:
                timed()

    return BallotButton


async def setup(bot: CalledItBot) -> None:
    """Register the ballot buttons once, for every message that carries them."""
    bot.add_dynamic_items(ballot_item(bot.workflows.buttons, bot.metrics))
