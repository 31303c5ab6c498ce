"""Telling a guild's admins what the bot can't do, without ever breaking the caller."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.domain.notices import Notice
from bot.services.notices import NoticeService

log = logging.getLogger(__name__)


class AdminTeller:
    """Record and clear notices; a failure to do so is logged, never raised."""

    def __init__(self, notices: NoticeService) -> None:
        self._notices = notices
        #: Called with the guild's id after a new notice is recorded (the admin channel).
        self.on_fresh: Callable[[int], Awaitable[None]] | None = None

    async def tell(self, guild_id: int, notice: Notice) -> None:
        """Record a notice for a guild's admins, and hand a new one on to be delivered."""
        try:
            fresh = await self._notices.record(guild_id, notice)
        except Exception:  # telling the admins must never break the post path
            log.exception("could not record a notice for guild %s", guild_id)
            return
        if fresh and self.on_fresh is not None:
            try:
                await self.on_fresh(guild_id)
            except Exception:
                log.exception("could not deliver the notices of guild %s", guild_id)

    async def fixed(self, guild_id: int, *keys: str) -> None:
        """Clear the notices of problems that are fixed."""
        try:
            await self._notices.clear(guild_id, *keys)
        except Exception:
            log.exception("could not clear notices of guild %s", guild_id)

    async def poll_message_gone(self, poll_id: int) -> Notice | None:
        """Tell the admins a poll's message was deleted; return the notice told."""
        try:
            return await self._notices.poll_message_gone(poll_id)
        except Exception:
            log.exception("could not record a notice for poll %s", poll_id)
            return None
