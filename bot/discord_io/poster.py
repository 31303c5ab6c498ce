"""The idempotent poster: every message the bot creates or edits goes through here.

Each logical post carries one nonce (bot/domain/nonces.py), so discord.py's retries after a
5xx, or a later try of the same post, return the first message instead of a second one. A
post that an earlier try may have made before a crash is first looked for in the channel (by
the marker stamped in its footer). Permissions are checked in the cache before any request,
and what can't be posted is told to the admins (the notices).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.discord_io.access import Access
from bot.domain import nonces, notices
from bot.domain.errors import CannotPost
from bot.services.admin_teller import AdminTeller

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
#: Discord's JSON error code for a channel the bot can't see.
MISSING_ACCESS = 50001
#: How far before a post's first try to look for it having landed (clock skew).
LANDED_MARGIN = timedelta(minutes=5)
#: How many messages after that to look through (a busy channel: 5 pages of history).
LANDED_SCAN = 500

ChannelOf = Callable[[int, int], discord.PartialMessageable]


class _Buttons(discord.ui.View):
    """Buttons sent with a message and kept nowhere: presses reach a registered DynamicItem."""

    def is_dispatchable(self) -> bool:
        """Never kept in discord.py's view store (no state per message, none lost at restart)."""
        return False


def buttons_view(buttons: Sequence[discord.ui.Button[Any]]) -> discord.ui.View:
    """Return a view carrying these buttons that discord.py does not keep after sending."""
    view = _Buttons(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view


class Poster:
    """Post, edit and react in channels, each post exactly once."""

    def __init__(
        self,
        channel_of: ChannelOf,
        access: Access,
        notices_: AdminTeller,
        me: Callable[[], int | None],
    ) -> None:
        self._channel_of = channel_of
        self._access = access
        self._notices = notices_
        self._me = me

    async def may_post(
        self, guild_id: int, channel_id: int, what: str, needed: Sequence[str] = notices.TO_POST
    ) -> bool:
        """Tell whether the bot can post in a channel; if not, tell the admins why."""
        lacking = self._access.lacking(guild_id, channel_id, needed)
        if lacking == []:
            return True
        await self._notices.tell(
            guild_id,
            notices.channel_unreachable(channel_id, what)
            if lacking is None
            else notices.cannot_post(channel_id, what, lacking),
        )
        return False

    async def post_once(
        self,
        guild_id: int,
        channel_id: int,
        what: str,
        *,
        nonce: str,
        landed_since: datetime | None = None,
        **kwargs: Any,
    ) -> int | None:
        """Make one logical post; return its message id, None when it can't be made now.

        With `landed_since` (an earlier try may have posted it before a crash), a post by the
        bot stamped with this nonce after that time is returned instead of posting again.
        """
        if landed_since is not None:
            if not await self.may_post(guild_id, channel_id, what, notices.TO_VERIFY):
                return None
            landed = await self.find_landed(guild_id, channel_id, nonce, landed_since)
            if landed is not None:
                log.info("%s had landed (%s); recorded, not repeated", what, landed)
                return landed
        message = await self.send(guild_id, channel_id, what, nonce=nonce, **kwargs)
        return message.id if message is not None else None

    async def send(
        self, guild_id: int, channel_id: int, what: str, *, nonce: str, **kwargs: Any
    ) -> discord.Message | None:
        """Send one post under its nonce; None when it can't be posted (the admins are told)."""
        if not await self.may_post(guild_id, channel_id, what):
            return None
        channel = self._channel_of(channel_id, guild_id)
        try:
            message = await channel.send(allowed_mentions=NO_MENTIONS, nonce=nonce, **kwargs)
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning("could not post %s in channel %s: %s", what, channel_id, exc)
            await self._notices.tell(
                guild_id,
                notices.cannot_post(channel_id, what, ["a permission (Discord refused)"])
                if isinstance(exc, discord.Forbidden) and exc.code != MISSING_ACCESS
                else notices.channel_unreachable(channel_id, what),
            )
            return None
        except discord.HTTPException:
            log.warning("could not post %s in channel %s", what, channel_id, exc_info=True)
            return None
        await self._notices.fixed(guild_id, notices.posting_key(channel_id))
        return message

    def require(self, guild_id: int, channel_id: int, needed: Sequence[str]) -> None:
        """Raise CannotPost when the cache says the bot lacks what it needs in a channel."""
        lacking = self._access.lacking(guild_id, channel_id, needed)
        if lacking is None or lacking:
            raise CannotPost(channel_id, lacking)

    async def create(
        self, guild_id: int, channel_id: int, *, nonce: str, **kwargs: Any
    ) -> discord.Message:
        """Send a message the caller needs made now; raise CannotPost if Discord refuses."""
        channel = self._channel_of(channel_id, guild_id)
        try:
            return await channel.send(allowed_mentions=NO_MENTIONS, nonce=nonce, **kwargs)
        except (discord.Forbidden, discord.NotFound):
            raise CannotPost(
                channel_id,
                None,
                "I need View Channel, Send Messages, Embed Links, Add Reactions and Read "
                "Message History there.",
            ) from None

    async def react(
        self, guild_id: int, channel_id: int, message_id: int, emojis: Sequence[str]
    ) -> None:
        """Add the bot's own reactions to a message (failures are logged)."""
        message = self._channel_of(channel_id, guild_id).get_partial_message(message_id)
        for emoji in emojis:
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException:
                log.warning("could not add %s to message %s", emoji, message_id, exc_info=True)

    async def edit(
        self,
        guild_id: int,
        channel_id: int,
        message_id: int,
        embed: discord.Embed,
        *,
        buttons: Sequence[discord.ui.Button[Any]] | None = None,
    ) -> bool:
        """Edit one of the bot's messages when the channel is visible; tell whether it was.

        With `buttons` its buttons become these (a sealed poll's, once it closed); else they stay.
        """
        if self._access.lacking(guild_id, channel_id, ("view_channel",)) != []:
            return False
        message = self._channel_of(channel_id, guild_id).get_partial_message(message_id)
        extra: dict[str, Any] = {} if buttons is None else {"view": buttons_view(buttons)}
        try:
            await message.edit(embed=embed, allowed_mentions=NO_MENTIONS, **extra)
        except discord.HTTPException:
            log.warning("could not edit message %s", message_id, exc_info=True)
            return False
        return True

    async def delete(self, guild_id: int, channel_id: int, message_id: int) -> None:
        """Delete one of the bot's messages (failures are logged)."""
        message = self._channel_of(channel_id, guild_id).get_partial_message(message_id)
        try:
            await message.delete()
        except discord.HTTPException:
            log.warning("could not delete message %s", message_id)

    async def find_landed(
        self, guild_id: int, channel_id: int, marker: str, since: datetime
    ) -> int | None:
        """Return the id of a post by the bot stamped with `marker` made after `since`, if any."""
        channel = self._channel_of(channel_id, guild_id)
        after = discord.Object(discord.utils.time_snowflake(since - LANDED_MARGIN))
        me = self._me()
        async for message in channel.history(limit=LANDED_SCAN, after=after, oldest_first=True):
            if message.author.id == me and any(
                nonces.is_stamped(embed.footer.text, marker) for embed in message.embeds
            ):
                return message.id
        return None
