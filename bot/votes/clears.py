"""After a moderator's clear is committed: the bot's options back on the poll, the admins told."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot.discord_io.poster import Poster
from bot.discord_io.registry import OpenPolls
from bot.domain import notices
from bot.domain.outcomes import POLL_EMOJI, Choice
from bot.services.admin_teller import AdminTeller

log = logging.getLogger(__name__)


class ClearFollowUp:
    """Put the cleared options back on an open poll and tell its server's admins, in the background."""

    def __init__(self, polls: OpenPolls, poster: Poster, notices_: AdminTeller) -> None:
        self._polls = polls
        self._poster = poster
        self._notices = notices_
        self._tasks: set[asyncio.Task[None]] = set()

    def cleared(self, items: Iterable[tuple[int, Choice | None, int]]) -> None:
        """Follow up (message, option or None for all, votes removed) clears the writer committed."""
        for message_id, choice, votes in items:
            ref = self._polls.get(message_id)
            if ref is None:
                continue
            task = asyncio.ensure_future(
                self._after_clear(
                    ref.guild_id, ref.channel_id, message_id, ref.number, choice, votes
                )
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _after_clear(
        self,
        guild_id: int,
        channel_id: int,
        message_id: int,
        number: int,
        choice: Choice | None,
        votes: int,
    ) -> None:
        log.info("poll on #%s: reactions cleared (%s), %d vote(s) removed", number, choice, votes)
        await self._notices.tell(
            guild_id,
            notices.reactions_cleared(
                number, channel_id, None if choice is None else choice.emoji, votes
            ),
        )
        emojis = POLL_EMOJI if choice is None else (choice.emoji,)
        await self._poster.react(guild_id, channel_id, message_id, emojis)

    async def stop(self) -> None:
        """Wait for the reactions being put back."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
