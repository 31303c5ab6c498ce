"""The public server pages: one handler per page, each a read of the bot's own services.

Every page of a server whose pages are off, of an unknown server, or of an id that is not
this server's is the same plain 404 as an unknown path: nothing tells them apart.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC

import jinja2
from aiohttp import web

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.months import Month
from bot.domain.pages import parse_id, server_path
from bot.render import cards
from bot.services import Services
from bot.services.public_pages import PublicPages, Shown
from bot.snapshots.boards import Board
from bot.snapshots.guilds import SetRef
from bot.web.pages import views
from bot.web.pages.shelf import Shelf

log = logging.getLogger(__name__)

#: Pages and cards change at most when a resolution or a vote lands: a minute is fresh enough.
CACHE = "public, max-age=60"
STATIC_CACHE = "public, max-age=3600"
#: On every page, card and the style sheet: no script may run (the pages have none), only
#: this server's style sheet and images load, nothing may frame them, no type is sniffed.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Language": "en",
}
#: Rows of a board on one page.
BOARD_PAGE = 50
#: Pages made at once (kept ones are served meanwhile).
MAKING = 1
ALL_TIME = "all-time"

Handler = Callable[["Site", web.Request], Awaitable[web.StreamResponse]]
#: Makes one page's or card's body for a server whose pages are on.
Maker = Callable[[web.Request, Shown], Awaitable[tuple[bytes, str]]]
HTML = "text/html; charset=utf-8"
PNG = "image/png"


def _plain(handler: Handler) -> Handler:
    """Turn a bad id into the plain 404 and any failure into a plain 500, never a traceback."""

    @functools.wraps(handler)
    async def guarded(site: Site, request: web.Request) -> web.StreamResponse:
        try:
            return await handler(site, request)
        except web.HTTPException:
            raise
        except (NotFound, InvalidInput):
            raise web.HTTPNotFound() from None
        except Exception:
            log.exception("page %s failed", request.path)
            raise web.HTTPInternalServerError() from None

    return guarded


def _id(request: web.Request, name: str) -> int:
    """Return an id from the path, or the plain 404."""
    value = parse_id(request.match_info[name])
    if value is None:
        raise web.HTTPNotFound()
    return value


def _page(request: web.Request) -> int:
    """Return ?page=N (1 when absent), or the plain 404 for anything but a page number."""
    text = request.query.get("page")
    if text is None:
        return 1
    value = parse_id(text)
    if value is None or value > 1_000_000:
        raise web.HTTPNotFound()
    return value


class Site:
    """Serve a server's pages and cards from the services the bot itself reads."""

    def __init__(
        self,
        services: Services,
        pages: PublicPages,
        templates: jinja2.Environment,
        guild_name: Callable[[int], str | None],
        css: bytes,
        ttl: float,
    ) -> None:
        self._services = services
        self._pages = pages
        self._templates = templates
        self._guild_name = guild_name
        self._css = css
        self._shelf = Shelf(ttl)
        #: Pages being made at once: one, so that with the opt-in read (one at a time per
        #: server) they fit the database's two pooled read connections; more would open and
        #: close overflow connections under a crowd. Kept pages are served meanwhile.
        self._making = asyncio.Semaphore(MAKING)
        #: The opt-in reads in flight, by server: requests arriving meanwhile share one.
        self._checks: dict[int, asyncio.Future[Shown | None]] = {}

    def routes(self) -> list[web.RouteDef]:
        """Return the GET routes (HEAD comes with each)."""
        g = "/s/{guild}"
        return [
            web.get("/static/calledit.css", self.css),
            web.get(g, self._serving(self.server)),
            web.get(g + "/board/{period}", self._serving(self.board)),
            web.get(g + "/sets/{set}/board/{period}", self._serving(self.board)),
            web.get(g + "/p/{number}", self._serving(self.prediction)),
            web.get(g + "/m/{member}", self._serving(self.member)),
            # Cards draw for tens of milliseconds in a thread: not one at a time with pages.
            web.get(g + "/cards/board/{period}.png", self._serving(self.board_card, alone=False)),
            web.get(
                g + "/sets/{set}/cards/board/{period}.png",
                self._serving(self.board_card, alone=False),
            ),
            web.get(g + "/cards/m/{member}.png", self._serving(self.member_card, alone=False)),
        ]

    def _serving(
        self, make: Maker, *, alone: bool = True
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Serve what `make` makes, from the shelf while the server's version is unchanged.

        `alone`: made one at a time with the other pages (see `_making`).
        """

        async def made(request: web.Request, guild: Shown) -> tuple[bytes, str]:
            if not alone:
                return await make(request, guild)
            async with self._making:
                return await make(request, guild)

        @_plain
        async def serve(site: Site, request: web.Request) -> web.StreamResponse:
            guild = await site._guild(request)
            # Kept by path and page number only: other query strings can't force a new render.
            key = (request.path, request.query.get("page"))
            kept = await site._shelf.get(key, guild.version, lambda: made(request, guild))
            return web.Response(
                body=kept.body,
                headers={"Content-Type": kept.content_type, "Cache-Control": CACHE, **HEADERS},
            )

        return functools.partial(serve, self)

    async def css(self, request: web.Request) -> web.StreamResponse:
        """Serve the one style sheet."""
        return web.Response(
            body=self._css,
            content_type="text/css",
            charset="utf-8",
            headers={"Cache-Control": STATIC_CACHE, **HEADERS},
        )

    # The pages ---------------------------------------------------------------------------

    async def server(self, request: web.Request, guild: Shown) -> tuple[bytes, str]:
        """Make the server's page: its name, the open polls, the latest monthly board, the sets."""
        gid = guild.guild_id
        posted = await self._pages.latest_posted_month(gid)
        board = await self._services.boards.month(gid, posted)
        names = await self._names(gid, [r.member_id for r in board.top(10)])
        return self._html(
            "server.html",
            request,
            guild,
            polls=await self._pages.open_polls(gid),
            board=board,
            rows=board.top(10),
            names=names,
            period=str(board.month),
            sets=await self._services.sets.list(gid),
            alt=cards.leaderboard_alt(board, names),
        )

    async def board(self, request: web.Request, guild: Shown) -> tuple[bytes, str]:
        """Make a board's page (a month or all time, every set or one), 50 rows a page."""
        in_set = await self._set(request, guild)
        board, period = await self._board(request, guild, in_set)
        page = _page(request)
        pages = max(1, -(-board.size // BOARD_PAGE))
        if page > pages:
            raise web.HTTPNotFound()
        rows = board.rows[(page - 1) * BOARD_PAGE : page * BOARD_PAGE]
        shown = [r.member_id for r in (*board.top(cards.LEADERBOARD_TOP), *rows)]
        names = await self._names(guild.guild_id, shown)
        months: tuple[str | None, str | None] = (None, None)
        if board.month is not None:  # the months beside it, none after this one
            now = Month.containing(self._services.clock.now(), UTC)
            later = board.month.next()
            months = (str(board.month.previous()), str(later) if later <= now else None)
        return self._html(
            "board.html",
            request,
            guild,
            board=board,
            rows=rows,
            names=names,
            period=period,
            in_set=in_set,
            page=page,
            pages=pages,
            months=months,
            alt=cards.leaderboard_alt(board, names),
        )

    async def prediction(self, request: web.Request, guild: Shown) -> tuple[bytes, str]:
        """Make a prediction's page: statement, dates, tally (or the sealed count), history."""
        number = _id(request, "number")
        gid = guild.guild_id
        shown, disputes, stored = await self._pages.prediction(gid, number)
        names = {d.member_id: cards.clean(stored.get(d.member_id)) for d in disputes}
        return self._html(
            "prediction.html", request, guild, p=shown, disputes=disputes, names=names
        )

    async def member(self, request: web.Request, guild: Shown) -> tuple[bytes, str]:
        """Make a member's page: record and scored votes as /stats shows them (ranked only)."""
        member_id = _id(request, "member")
        gid = guild.guild_id
        record = await self._services.boards.member(gid, member_id)
        if record.row is None:
            raise web.HTTPNotFound()
        page = _page(request)
        detail = await self._services.breakdown.page(gid, member_id, page)
        if page > detail.pages:
            raise web.HTTPNotFound()
        name = (await self._names(gid, [member_id])).get(member_id)
        return self._html(
            "member.html",
            request,
            guild,
            record=record,
            detail=detail,
            name=name,
            alt=cards.member_alt(record, name),
        )

    # The cards ----------------------------------------------------------------------------

    async def board_card(self, request: web.Request, guild: Shown) -> tuple[bytes, str]:
        """Draw a board's card as a PNG image."""
        in_set = await self._set(request, guild)
        board, _ = await self._board(request, guild, in_set)
        top = [r.member_id for r in board.top(cards.LEADERBOARD_TOP)]
        names = await self._names(guild.guild_id, top)
        server = self._server_name(guild)
        data = await asyncio.to_thread(
            lambda: cards.leaderboard_card(board, server=server, names=names)
        )
        return data, PNG

    async def member_card(self, request: web.Request, guild: Shown) -> tuple[bytes, str]:
        """Draw a member's card as a PNG image (ranked members only)."""
        member_id = _id(request, "member")
        record = await self._services.boards.member(guild.guild_id, member_id)
        if record.row is None:
            raise web.HTTPNotFound()
        name = (await self._names(guild.guild_id, [member_id])).get(member_id)
        server = self._server_name(guild)
        data = await asyncio.to_thread(lambda: cards.member_card(record, name=name, server=server))
        return data, PNG

    # Helpers ------------------------------------------------------------------------------

    async def _guild(self, request: web.Request) -> Shown:
        """Return the server of the path if its pages are on; else the plain 404.

        Read at every request; requests for one server that arrive while its read is under
        way share that read (a read is well under a millisecond old when they get it), so a
        crowd on one server's pages costs one query at a time, not one each.
        """
        guild_id = _id(request, "guild")
        pending = self._checks.get(guild_id)
        if pending is None:
            pending = asyncio.ensure_future(self._pages.shown(guild_id))
            self._checks[guild_id] = pending

            def done(_: object, guild_id: int = guild_id, ours: object = pending) -> None:
                if self._checks.get(guild_id) is ours:
                    del self._checks[guild_id]

            pending.add_done_callback(done)
        guild = await asyncio.shield(pending)
        if guild is None:
            raise web.HTTPNotFound()
        return guild

    async def _set(self, request: web.Request, guild: Shown) -> SetRef | None:
        """Return the set of the path (None for every set); another server's set is a 404."""
        if "set" not in request.match_info:
            return None
        found = await self._pages.set_of(guild.guild_id, _id(request, "set"))
        if found is None:
            raise web.HTTPNotFound()
        return found

    async def _board(
        self, request: web.Request, guild: Shown, in_set: SetRef | None
    ) -> tuple[Board, str]:
        """Return the board of the path's period ('all-time' or YYYY-MM) and the period."""
        period = request.match_info["period"]
        boards = self._services.boards
        set_id = in_set.id if in_set else None
        if period == ALL_TIME:
            board = await boards.all_time(guild.guild_id, set_id=set_id)
        else:
            month = Month.parse(period)  # InvalidInput: the plain 404
            if str(month) != period:
                raise web.HTTPNotFound()
            board = await boards.month(guild.guild_id, month, set_id=set_id)
        if in_set is not None:
            board = replace(board, set_name=in_set.name)
        return board, period

    async def _names(self, guild_id: int, member_ids: list[int]) -> dict[int, str]:
        """Return members' names as the cards draw them (a member with none: 'a member')."""
        found = await self._services.names.of(guild_id, member_ids)
        return {m: cards.clean(found.get(m)) for m in member_ids}

    def _server_name(self, guild: Shown) -> str:
        return cards.clean(self._guild_name(guild.guild_id), views.NO_SERVER_NAME)

    def _html(
        self, template: str, request: web.Request, guild: Shown, **values: object
    ) -> tuple[bytes, str]:
        body = self._templates.get_template(template).render(
            server=self._server_name(guild),
            base=server_path(guild.guild_id),
            path=request.path,
            **values,
        )
        return body.encode("utf-8"), HTML
