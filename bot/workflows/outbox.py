"""Post exactly once: claim in the outbox, look for a post that landed, post, record."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.discord_io.poster import Poster
from bot.domain import notices
from bot.domain.shards import ShardScope
from bot.services.outbox import Claim, OutboxService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One post to make exactly once: where, under which key and nonce, and how to record it.

    `body` builds the message's keyword arguments (embed, file, reference) only when it is
    posted; `record` stores the message id where other code reads it, before the outbox
    marks the key done; `landed_since` (a post an earlier version may have made) makes even
    a fresh claim look for a landed post first.
    """

    key: str
    guild_id: int
    channel_id: int
    what: str
    nonce: str
    body: Callable[[], Awaitable[dict[str, Any]]]
    record: Callable[[int], Awaitable[object]] | None = None
    landed_since: datetime | None = None


class Outbox:
    """Claim -> landed check -> post with the nonce -> record, for every post made once."""

    def __init__(self, outbox: OutboxService, poster: Poster, claimant: str) -> None:
        self._outbox = outbox
        self._poster = poster
        self.claimant = claimant

    async def post(self, item: Outgoing) -> int | None:
        """Post an item once; return its message id, None if not posted now (retried later).

        Another claimant holding the key means it is not ours to post; a key already done
        has its record written again (a crash between the two records). A claim that stays
        without a record (the channel is blocked, Discord refused) is retried once stale.
        """
        claim = await self._outbox.claim(item.key, item.guild_id, self.claimant)
        if claim is None:
            posted = await self._outbox.posted(item.key)
            if posted is not None and posted.message_id and item.record is not None:
                await item.record(posted.message_id)
            return None
        since = claim.taken_over or item.landed_since
        message_id = None
        if since is not None:
            if not await self._poster.may_post(
                item.guild_id, item.channel_id, item.what, notices.TO_VERIFY
            ):
                return None
            message_id = await self._landed(item, since)
        if message_id is None:
            if not await self._poster.may_post(item.guild_id, item.channel_id, item.what):
                return None  # the admins are told; tried again once the claim is stale
            message = await self._poster.send(
                item.guild_id, item.channel_id, item.what, nonce=item.nonce, **await item.body()
            )
            if message is None:
                return None
            message_id = message.id
        if item.record is not None:
            await item.record(message_id)
        await self._outbox.record(item.key, item.channel_id, message_id)
        return message_id

    async def claim(self, key: str, guild_id: int) -> Claim | None:
        """Claim a key for work that is not a post (a role change); None if not ours."""
        return await self._outbox.claim(key, guild_id, self.claimant)

    async def finish(self, key: str) -> None:
        """Record claimed work that is not a post as done."""
        await self._outbox.record(key)

    async def held(self, keys: Collection[str]) -> set[str]:
        """Return which keys another attempt holds now (so they are not tried this time)."""
        return await self._outbox.held(keys)

    async def done(self, key: str) -> bool:
        """Tell whether a key was recorded as done."""
        return await self._outbox.done(key)

    async def unfinished(self, prefix: str, scope: ShardScope) -> list[str]:
        """Return the keys under a prefix claimed and never recorded, in the scope's guilds."""
        return await self._outbox.keys(prefix, done=False, scope=scope)

    async def done_without_post(
        self, key: str, guild_id: int, record: Callable[[], Awaitable[object]] | None = None
    ) -> None:
        """Mark a key done with nothing posted (nowhere to post), if this claimant gets it."""
        if await self._outbox.claim(key, guild_id, self.claimant) is None:
            return
        if record is not None:
            await record()
        await self._outbox.record(key)

    async def _landed(self, item: Outgoing, since: datetime) -> int | None:
        """Return the post an interrupted attempt made, if it landed."""
        landed = await self._poster.find_landed(item.guild_id, item.channel_id, item.nonce, since)
        if landed is not None:
            log.info("%s had landed (%s); recorded, not repeated", item.what, landed)
        return landed
