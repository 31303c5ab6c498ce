"""The monthly post: each guild's ended month, posted exactly once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import render
from bot.discord_io.access import Access
from bot.domain import nonces
from bot.domain.channels import board_channel
from bot.domain.months import Month
from bot.domain.shards import ShardScope
from bot.services.boards import BoardService
from bot.services.guilds import GuildService
from bot.services.outbox import board_key, board_of
from bot.services.sets import SetService
from bot.snapshots.boards import Board
from bot.workflows.outbox import Outbox, Outgoing

log = logging.getLogger(__name__)

#: Renders a board's card for a server (None when it can't be drawn).
CardMaker = Callable[[Board, str], Awaitable[discord.File | None]]


class MonthlyPost:
    """Post each guild's ended month once, through the outbox."""

    def __init__(
        self,
        guilds: GuildService,
        boards: BoardService,
        sets: SetService,
        outbox: Outbox,
        access: Access,
        card: CardMaker,
        *,
        scope: ShardScope | None = None,
    ) -> None:
        self._guilds = guilds
        self._boards = boards
        self._sets = sets
        self._outbox = outbox
        self._access = access
        self._card = card
        self._scope = scope or ShardScope()

    @property
    def claimant(self) -> str:
        """Return the name this process claims posts under."""
        return self._outbox.claimant

    async def post_due(self) -> None:
        """Post each connected guild's ended month once.

        A claim left without a post (a crash, a channel the bot can't use) is taken over once
        it is stale: the taker first looks for the post in the channel, so a post that landed
        is recorded, not repeated; a blocked channel is retried at that pace.
        """
        due = [(d.guild_id, d.month) for d in await self._boards.due_posts(self._scope)]
        unfinished = await self._outbox.unfinished("board:", self._scope)
        held = await self._outbox.held(unfinished)  # retried once their claims are stale
        due += [board_of(key) for key in unfinished if key not in held]
        for guild_id, month in dict.fromkeys(due):
            if not self._scope.owns(guild_id) or not self._access.connected(guild_id):
                continue  # not connected to that guild now; a later tick or start catches up
            try:
                await self.post(guild_id, month)
            except Exception:  # one guild failing must not stop the others
                log.exception(
                    "posting the %s board of guild %s failed; retried later", month, guild_id
                )

    async def post(self, guild_id: int, month: Month) -> None:
        """Post a guild's board for a month once (or record that it has nowhere to go)."""
        config = await self._guilds.get(guild_id)
        channel_id = board_channel(
            config.leaderboard_channel_id,
            config.polls_channel_id,
            self._access.system_channel(guild_id),
        )
        key = board_key(guild_id, month)
        if channel_id is None:
            log.warning("guild %s has no channel for the %s board", guild_id, month)
            await self._outbox.done_without_post(
                key, guild_id, lambda: self._boards.mark_posted(guild_id, month, None, None)
            )
            return
        nonce = nonces.monthly_board(guild_id, month)

        async def body() -> dict[str, Any]:
            return await self._body(guild_id, channel_id, month, nonce)

        async def record(message_id: int) -> None:
            await self._boards.mark_posted(guild_id, month, channel_id, message_id)

        posted = await self._outbox.post(
            Outgoing(
                key,
                guild_id,
                channel_id,
                f"the {month.label} leaderboard",
                nonce,
                body,
                record,
            )
        )
        if posted is not None:
            log.info("posted the %s board of guild %s", month, guild_id)

    async def _body(
        self, guild_id: int, channel_id: int, month: Month, nonce: str
    ) -> dict[str, Any]:
        """Render the month's board, its sets' leaders and (with Attach Files) its card."""
        board = await self._boards.month(guild_id, month)
        leaders = []
        for each in await self._sets.list(guild_id):
            of_set = await self._boards.month(guild_id, month, set_id=each.id)
            leaders.append((each.name, tuple(r for r in of_set.rows if r.rank == 1)))
        body: dict[str, Any] = {
            "embed": render.monthly_post(
                board, await self._boards.all_time(guild_id), marker=nonce, set_leaders=leaders
            )
        }
        if self._access.lacking(guild_id, channel_id, ("attach_files",)) == []:
            card = await self._card(board, self._access.guild_name(guild_id) or "this server")
            if card is not None:
                body["file"] = card
        else:  # the embed alone still tells the board
            log.warning("no Attach Files in channel %s: the %s card is left out", channel_id, month)
        return body
