"""Editing a prediction: the stored text, and the open poll's message members vote on."""

from __future__ import annotations

from bot import render
from bot.discord_io.poster import Poster
from bot.domain import nonces
from bot.domain.edits import PredictionEdit
from bot.services.guilds import GuildService
from bot.services.predictions import PredictionService
from bot.workflows.results import Edited


class PredictionEditing:
    """Edit a prediction, then show the new text on its open poll's message."""

    def __init__(
        self, predictions: PredictionService, guilds: GuildService, poster: Poster
    ) -> None:
        self._predictions = predictions
        self._guilds = guilds
        self._poster = poster

    async def edit(self, guild_id: int, number: int, changes: PredictionEdit) -> Edited:
        """Edit a prediction; an open poll's message is edited to the new text too."""
        view = await self._predictions.edit(guild_id, number, changes)
        poll = view.poll
        if poll is None or not poll.is_open or poll.message_id is None:
            return Edited(view, None)
        nonce = nonces.poll_message(poll.id, poll.opened_at)  # keep the marker it was posted with
        shown = await self._poster.edit(
            guild_id,
            poll.channel_id,
            poll.message_id,
            render.poll_message(
                view,
                poll,
                marker=nonce,
                voter_role=(await self._guilds.get(guild_id)).voter_role_id,
            ),
        )
        return Edited(view, shown)
