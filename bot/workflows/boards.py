"""Boards as cards: read the board (or record), the stored names, render off the event loop.

Rendering a card is CPU work of tens of milliseconds, so it runs in a worker thread
(asyncio.to_thread): reaction events and other commands go on meanwhile. A card that fails to
render is logged and left out; the embed text always goes.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import discord

from bot import render
from bot.domain.months import Month
from bot.render import cards
from bot.services.boards import BoardService
from bot.services.breakdown import BreakdownService
from bot.services.names import NameService
from bot.services.scorecard import ScorecardService
from bot.snapshots.boards import Board, Breakdown, MemberStats
from bot.snapshots.guilds import SetRef

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a board command sends: the embed and, when asked and rendered, its card."""

    embed: discord.Embed
    files: list[discord.File]
    #: The member's breakdown (/stats), shown under the record with page buttons.
    breakdown: Breakdown | None = None


def png_file(data: bytes, filename: str, description: str | None = None) -> discord.File:
    """Wrap PNG bytes as an attachment with its alt text."""
    return discord.File(io.BytesIO(data), filename=filename, description=description)


async def render_off_loop(what: str, draw: Callable[[], bytes]) -> bytes | None:
    """Render a card in a worker thread; None (logged) if it fails."""
    try:
        return await asyncio.to_thread(draw)
    except Exception:  # a card must never stop the post or the reply it goes with
        log.exception("could not render %s", what)
        return None


async def leaderboard_file(
    names: NameService, board: Board, server: str, member: int | None = None
) -> discord.File | None:
    """Render a board's card (with the asker's own row) as an attachment with its alt text."""
    shown = [row.member_id for row in board.top(cards.LEADERBOARD_TOP)]
    shown_names = await names.of(board.guild_id, [*shown, *([member] if member else [])])
    data = await render_off_loop(
        f"the {board.label} leaderboard card",
        lambda: cards.leaderboard_card(board, server=server, names=shown_names, member=member),
    )
    if data is None:
        return None
    slug = str(board.month) if board.month is not None else "all-time"
    return png_file(
        data, f"leaderboard-{slug}.png", cards.leaderboard_alt(board, shown_names, member)
    )


class BoardCommands:
    """The board commands' use cases: /leaderboard, /stats and /scorecard, with their cards."""

    def __init__(
        self,
        boards: BoardService,
        names: NameService,
        breakdowns: BreakdownService,
        scorecards: ScorecardService,
    ) -> None:
        self._boards = boards
        self._names = names
        self._breakdowns = breakdowns
        self._scorecards = scorecards

    async def leaderboard(
        self,
        guild_id: int,
        server: str,
        month: Month | None,
        *,
        all_time: bool,
        caller: int,
        image: bool,
        in_set: SetRef | None = None,
    ) -> Answer:
        """Return a month's (default: this month's) or the all-time board, with its card."""
        boards = self._boards
        set_id = in_set.id if in_set else None
        board = (
            await boards.all_time(guild_id, set_id=set_id)
            if all_time
            else await boards.month(guild_id, month, set_id=set_id)
        )
        if in_set is not None:
            board = replace(board, set_name=in_set.name)
        file = await leaderboard_file(self._names, board, server, caller) if image else None
        return Answer(render.leaderboard(board, caller), [file] if file else [])

    async def stats(
        self,
        guild_id: int,
        server: str,
        member_id: int,
        name: str | None,
        *,
        image: bool,
        in_set: SetRef | None = None,
    ) -> Answer:
        """Return a member's record (in one set, when given), with the member card."""
        # Two independent reads, each in a unit of work of its own: side by side.
        record, detail = await asyncio.gather(
            self._boards.member(guild_id, member_id, set_id=in_set.id if in_set else None),
            self.breakdown(guild_id, member_id, 1, in_set),
        )
        if in_set is not None:
            record = replace(record, set_name=in_set.name)
        if not image:
            return Answer(render.stats(record), [], detail)
        if name is None:
            name = (await self._names.of(guild_id, [member_id])).get(member_id)
        data = await render_off_loop("a member card", lambda: _member(record, name, server))
        files = [png_file(data, "stats.png", cards.member_alt(record, name))] if data else []
        return Answer(render.stats(record), files, detail)

    async def breakdown(
        self, guild_id: int, member_id: int, page: int, in_set: SetRef | None = None
    ) -> Breakdown:
        """Return one page of a member's scored predictions (in one set, when given)."""
        return await self._breakdowns.page(
            guild_id, member_id, page, set_id=in_set.id if in_set else None
        )

    async def check_source(
        self, guild_id: int, source: str | None, in_set: SetRef | None = None
    ) -> None:
        """Raise NotFound for a source the guild has no prediction from (a quick read)."""
        if source is not None:
            await self._scorecards.require_source(
                guild_id, source, set_id=in_set.id if in_set else None
            )

    async def scorecard(
        self,
        guild_id: int,
        server: str,
        source: str | None,
        *,
        image: bool,
        in_set: SetRef | None = None,
    ) -> Answer:
        """Return the scorecards (NotFound for an unknown source), with the grid."""
        found = await self._scorecards.cards(guild_id, source, set_id=in_set.id if in_set else None)
        if not image:
            return Answer(render.scorecards(found), [])
        data = await render_off_loop(
            "a scorecard", lambda: cards.scorecard_card(found, server=server)
        )
        files = [png_file(data, "scorecard.png", cards.scorecard_alt(found))] if data else []
        return Answer(render.scorecards(found), files)


def _member(record: MemberStats, name: str | None, server: str) -> bytes:
    return cards.member_card(record, name=name, server=server)
