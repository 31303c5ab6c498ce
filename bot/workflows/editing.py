"""Editing a prediction: the stored text, and the open poll's message members vote on."""

from __future__ import annotations

from datetime import date

from bot import render
from bot.discord_io.poster import Poster
from bot.domain import nonces
from bot.services import Services
from bot.workflows.results import Edited


class PredictionEditing:
    """Edit a prediction, then show the new text on its open poll's message."""

    def __init__(self, services: Services, poster: Poster) -> None:
        self._services = services
        self._poster = poster

    async def edit(
        self,
        guild_id: int,
        number: int,
        *,
        title: str | None = None,
        statement: str | None = None,
        source: str | None = None,
        due: date | None = None,
        criteria: str | None = None,
    ) -> Edited:
        """Edit a prediction; an open poll's message is edited to the new text too."""
        view = await self._services.predictions.edit(
            guild_id,
            number,
            title=title,
            statement=statement,
            source=source,
            due=due,
            criteria=criteria,
        )
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
                voter_role=(await self._services.guilds.get(guild_id)).voter_role_id,
            ),
        )
        return Edited(view, shown)
