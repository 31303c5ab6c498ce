"""The monthly post: each guild's ended month, posted exactly once."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import render
from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.domain import nonces, notices
from bot.domain.channels import board_channel
from bot.domain.months import Month
from bot.domain.shards import ShardScope
from bot.services import Services
from bot.services.boards import STALE_CLAIM
from bot.workflows.boards import leaderboard_file

log = logging.getLogger(__name__)


class PostBlocked(Exception):
    """A post can't be made now (no access to its channel); the admins have been told."""


class MonthlyPost:
    """Claim in the database, then post, then record: once per guild and month."""

    def __init__(
        self,
        services: Services,
        poster: Poster,
        access: Access,
        claimant: str,
        *,
        scope: ShardScope | None = None,
    ) -> None:
        self._services = services
        self._poster = poster
        self._access = access
        self.claimant = claimant
        self._scope = scope or ShardScope()

    async def post_due(self) -> None:
        """Post each connected guild's ended month once.

        A claim left without a post (a crash, a channel the bot can't use) is taken over once
        it is STALE_CLAIM old: the taker first looks for the post in the channel, so a post
        that landed is recorded, not repeated; a blocked channel is retried at that pace.
        """
        boards = self._services.boards
        due = await boards.due_posts(self._scope)
        due += [d for d in await boards.unfinished_claims(self._scope) if d not in due]
        for item in due:
            if not self._scope.owns(item.guild_id) or not self._access.connected(item.guild_id):
                continue  # not connected to that guild now; a later tick or start catches up
            claim = await boards.claim(item.guild_id, item.month, self.claimant)
            if claim is None:
                continue
            try:
                message_id = await self.post(item.guild_id, item.month, since=claim.taken_over)
            except PostBlocked as blocked:
                log.warning("%s; retried in %s", blocked, STALE_CLAIM)
                continue
            except Exception:  # one guild failing must not stop the others
                log.exception(
                    "posting the %s board of guild %s failed; retried later",
                    item.month,
                    item.guild_id,
                )
                continue
            if message_id is None:
                log.warning("guild %s has no channel for the %s board", item.guild_id, item.month)
                await boards.mark_posted(item.guild_id, item.month, None, None)
            else:
                log.info("posted the %s board of guild %s", item.month, item.guild_id)

    async def post(
        self, guild_id: int, month: Month, *, since: datetime | None = None
    ) -> int | None:
        """Post a guild's board for a month; return its message id, None with nowhere to post.

        `since` is when an interrupted attempt claimed the post: a post by the bot stamped with
        this month's marker after that is the one that landed, and is recorded instead of
        posting again. Raises PostBlocked when the channel can't be used now (admins told).
        """
        services = self._services
        config = await services.guilds.get(guild_id)
        channel_id = board_channel(
            config.leaderboard_channel_id,
            config.polls_channel_id,
            self._access.system_channel(guild_id),
        )
        if channel_id is None:
            return None
        what = f"the {month.label} leaderboard"
        nonce = nonces.monthly_board(guild_id, month)
        needed = notices.TO_POST if since is None else notices.TO_VERIFY
        if not await self._poster.may_post(guild_id, channel_id, what, needed):
            raise PostBlocked(f"can't post {what} in channel {channel_id}")
        board = await services.boards.month(guild_id, month)
        leaders = []
        for each in await services.sets.list(guild_id):
            of_set = await services.boards.month(guild_id, month, set_id=each.id)
            leaders.append((each.name, tuple(r for r in of_set.rows if r.rank == 1)))
        body = render.monthly_post(
            board, await services.boards.all_time(guild_id), marker=nonce, set_leaders=leaders
        )
        card = None
        if self._access.lacking(guild_id, channel_id, ("attach_files",)) == []:
            server = self._access.guild_name(guild_id) or "this server"
            card = await leaderboard_file(services.names, board, server)
        else:  # the embed alone still tells the board
            log.warning("no Attach Files in channel %s: the %s card is left out", channel_id, month)
        extra = {"file": card} if card is not None else {}
        message_id = await self._poster.post_once(
            guild_id, channel_id, what, nonce=nonce, landed_since=since, embed=body, **extra
        )
        if message_id is None:
            raise PostBlocked(f"Discord refused {what} in channel {channel_id}")
        await services.boards.mark_posted(guild_id, month, channel_id, message_id)
        return message_id
