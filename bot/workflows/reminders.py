"""Reminders a day before polls close, and the admins' weekly digest of overdue predictions."""

from __future__ import annotations

import logging

from bot import render
from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.domain import nonces
from bot.domain.community import digest_week
from bot.services import Services

log = logging.getLogger(__name__)

#: What a reminder in a poll's thread needs.
IN_THREAD = ("view_channel", "send_messages_in_threads", "embed_links")


class Reminders:
    """Claim in the database, then post, then record: each reminder and digest exactly once."""

    def __init__(self, services: Services, poster: Poster, access: Access, claimant: str) -> None:
        self._services = services
        self._poster = poster
        self._access = access
        self._claimant = claimant

    async def post_due(self) -> None:
        """Post every due reminder once, in its poll's channel.

        A claim left without a post (a crash, a channel the bot can't use now) is taken over
        once it is stale: the taker first looks for the reminder in the channel.
        """
        service = self._services.reminders
        for item in await service.due():
            if not self._access.connected(item.guild_id):
                continue  # another process (or a later start) posts it
            claim = await service.claim(item.poll_id)
            if claim is None:
                continue
            nonce = nonces.reminder(item.poll_id)
            target = item.channel_id
            if (
                item.thread_id
                and self._access.lacking(item.guild_id, item.thread_id, IN_THREAD) == []
            ):
                target = item.thread_id  # the poll's thread, while the bot can post there
            message_id = await self._poster.post_once(
                item.guild_id,
                target,
                f"the reminder on #{item.number}",
                nonce=nonce,
                landed_since=claim.taken_over,
                embed=render.reminder(item, marker=nonce),
            )
            if message_id is None:
                log.warning("the reminder on #%s is retried later", item.number)
                continue
            await service.record(item.poll_id, message_id)
            log.info("posted the reminder on #%s of guild %s", item.number, item.guild_id)

    async def post_digests(self) -> None:
        """Post each admin channel's weekly digest of overdue predictions, at most once a week."""
        service = self._services.reminders
        week = digest_week(self._services.clock.now())
        for config in await self._services.guilds.with_admin_channel():
            guild_id, channel_id = config.guild_id, config.admin_channel_id
            if channel_id is None or not self._access.connected(guild_id):
                continue
            if await service.digest_done(guild_id, week):
                continue
            items = await service.overdue(guild_id)
            if not items:
                continue  # none when nothing is overdue
            claim = await service.claim_digest(guild_id, week, self._claimant)
            if claim is None:
                continue
            nonce = nonces.weekly_digest(guild_id, week)
            message_id = await self._poster.post_once(
                guild_id,
                channel_id,
                "the weekly digest",
                nonce=nonce,
                landed_since=claim.taken_over,
                embed=render.digest(items, week, marker=nonce),
            )
            if message_id is not None:
                await service.digest_posted(guild_id, week)
