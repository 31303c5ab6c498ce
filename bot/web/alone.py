"""`calledit web`: the HTTP server alone, from the database (another process or machine)."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal

from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import InvalidInput
from bot.metrics import Metrics
from bot.web.ops import Ops, web_servers
from bot.web.pages import install as install_pages
from bot.web.server import serving
from db.migrate import upgrade
from db.session import Database

log = logging.getLogger(__name__)

NO_PORT = "WEB_PORT is not set: `calledit web` has nothing to serve (e.g. WEB_PORT=8080)."
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def serve_web(settings: Settings) -> int:
    """Serve the operator endpoints and the server pages until SIGTERM or SIGINT; return 0."""
    if settings.web_port is None:
        raise InvalidInput(NO_PORT)
    database = Database(settings.database_url)
    metrics = Metrics()
    database.on_error = metrics.database_error
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        await upgrade(database)  # as `calledit run` does: either may start first
        pages = functools.partial(install_pages, database=database, clock=SystemClock())
        async with serving(web_servers(settings, Ops(database, metrics), [pages])):
            for sig in STOP_SIGNALS:
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            log.info("Stopping the web server.")
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        await database.dispose()
    return 0
