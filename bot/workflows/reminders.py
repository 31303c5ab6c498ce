"""Reminders a day before polls close, and the admins' weekly digest of overdue predictions."""

from __future__ import annotations

import logging
from typing import Any

from bot import render
from bot.discord_io.access import Access
from bot.domain import nonces
from bot.domain.clock import Clock
from bot.domain.community import digest_week
from bot.services.guilds import GuildService
from bot.services.outbox import digest_key, reminder_key
from bot.services.reminders import ReminderService
from bot.snapshots.community import OverdueItem, ReminderItem
from bot.workflows.outbox import Outbox, Outgoing

log = logging.getLogger(__name__)

#: What a reminder in a poll's thread needs.
IN_THREAD = ("view_channel", "send_messages_in_threads", "embed_links")


class Reminders:
    """Post each reminder and each weekly digest exactly once, through the outbox."""

    def __init__(
        self,
        reminders: ReminderService,
        guilds: GuildService,
        outbox: Outbox,
        access: Access,
        clock: Clock,
    ) -> None:
        self._reminders = reminders
        self._guilds = guilds
        self._outbox = outbox
        self._access = access
        self._clock = clock

    async def post_due(self) -> None:
        """Post every due reminder once, in its poll's thread or channel.

        A claim left without a post (a crash, a channel the bot can't use now) is taken over
        once it is stale: the taker first looks for the reminder in the channel.
        """
        due = await self._reminders.due()
        held = await self._outbox.held([reminder_key(item.poll_id) for item in due])
        for item in due:
            if reminder_key(item.poll_id) in held or not self._access.connected(item.guild_id):
                continue  # being posted, or retried once stale; or another process posts it
            target = item.channel_id
            if (
                item.thread_id
                and self._access.lacking(item.guild_id, item.thread_id, IN_THREAD) == []
            ):
                target = item.thread_id  # the poll's thread, while the bot can post there
            posted = await self._outbox.post(self._reminder(item, target))
            if posted is not None:
                log.info("posted the reminder on #%s of guild %s", item.number, item.guild_id)

    def _reminder(self, item: ReminderItem, target: int) -> Outgoing:
        nonce = nonces.reminder(item.poll_id)

        async def body() -> dict[str, Any]:
            return {"embed": render.reminder(item, marker=nonce)}

        async def record(message_id: int) -> None:
            await self._reminders.record(item.poll_id, message_id)

        what = f"the reminder on #{item.number}"
        return Outgoing(
            reminder_key(item.poll_id), item.guild_id, target, what, nonce, body, record
        )

    async def post_digests(self) -> None:
        """Post each admin channel's weekly digest of overdue predictions, at most once a week."""
        week = digest_week(self._clock.now())
        for config in await self._guilds.with_admin_channel():
            guild_id, channel_id = config.guild_id, config.admin_channel_id
            if channel_id is None or not self._access.connected(guild_id):
                continue
            if await self._outbox.done(digest_key(guild_id, week)):
                continue
            items = await self._reminders.overdue(guild_id)
            if not items:
                continue  # none when nothing is overdue
            await self._outbox.post(self._digest(guild_id, channel_id, week, items))

    def _digest(
        self, guild_id: int, channel_id: int, week: str, items: list[OverdueItem]
    ) -> Outgoing:
        nonce = nonces.weekly_digest(guild_id, week)

        async def body() -> dict[str, Any]:
            return {"embed": render.digest(items, week, marker=nonce)}

        key = digest_key(guild_id, week)
        return Outgoing(key, guild_id, channel_id, "the weekly digest", nonce, body)
