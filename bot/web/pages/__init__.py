"""A server's public pages (opt-in with /setup web): boards, predictions, members, cards."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.domain.clock import Clock
from bot.services import Services
from bot.services.public_pages import PublicPages
from bot.web.pages.site import Site
from bot.web.pages.views import environment, style_sheet
from db.session import Database

__all__ = ["PAGE_TTL", "install"]

#: Seconds a rendered page is kept: as long as its Cache-Control lets a browser keep it.
PAGE_TTL = 60.0


def install(
    app: web.Application,
    *,
    database: Database,
    clock: Clock,
    services: Services | None = None,
    guild_name: Callable[[int], str | None] | None = None,
    ttl: float = PAGE_TTL,
) -> None:
    """Add the public pages' routes (GET and HEAD only) and their style sheet to an app.

    `services`: the bot's own, so the pages read the boards it keeps cached (built over
    `database` when not given). `guild_name`: the server's name from the gateway's cache
    (a process without the gateway shows "This server"). `ttl`: seconds a rendered page is
    served again while nothing it shows was resolved, edited, disputed, opened or closed
    (votes and names show after it; 0 renders every request).
    """
    site = Site(
        services or Services.build(database, clock),
        PublicPages(database, clock),
        environment(),
        guild_name or (lambda _guild_id: None),
        style_sheet(),
        ttl,
    )
    app.add_routes(site.routes())
