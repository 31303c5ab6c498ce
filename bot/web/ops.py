"""The operator endpoints: /healthz (alive), /readyz (connected, database answering), /metrics."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence

from aiohttp import web
from sqlalchemy import Connection

from bot.config import Settings
from bot.metrics import CONTENT_TYPE, Metrics, ShardState
from bot.web.server import Installer, WebServer
from db.faults import outage_of
from db.session import Database

log = logging.getLogger(__name__)

#: The longest /readyz waits for the database to answer.
DATABASE_TIMEOUT = 2.0


def _ping(conn: Connection) -> object:
    return conn.exec_driver_sql("SELECT 1").scalar()


class Ops:
    """Answer the operator endpoints for one process: its shards, its database, its metrics."""

    def __init__(
        self,
        database: Database,
        metrics: Metrics,
        *,
        shards: Callable[[], Sequence[ShardState]] | None = None,
        timeout: float = DATABASE_TIMEOUT,
    ) -> None:
        self._database = database
        self.metrics = metrics
        #: This process's gateway connections; None: a web process without Discord.
        self._shards = shards
        self._timeout = timeout

    def install(self, app: web.Application, *, metrics: bool = True) -> None:
        """Add /healthz and /readyz, and /metrics unless it is served on a port of its own."""
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        if metrics:
            self.install_metrics(app)

    def install_metrics(self, app: web.Application) -> None:
        """Add /metrics alone (the metrics' own host and port)."""
        app.router.add_get("/metrics", self.scrape)

    async def healthz(self, request: web.Request) -> web.Response:
        """Answer 200 while the process runs."""
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        """Answer 200 when every shard is connected and the database answers; 503 with why."""
        problems = await self.problems()
        if problems:
            return web.Response(status=503, text="\n".join(problems) + "\n")
        return web.Response(text="ready\n")

    async def problems(self) -> list[str]:
        """Return what keeps this process from being ready, one line each (none: ready)."""
        problems = [
            f"shard {shard.shard_id}: not connected"
            for shard in (self._shards() if self._shards is not None else ())
            if not shard.connected
        ]
        database = await self._database_problem()
        if database is not None:
            problems.append(f"database: {database}")
        return problems

    async def _database_problem(self) -> str | None:
        outage = self._database.outage  # vote batches fail for the database as a whole
        if outage is not None:
            return outage.value
        try:
            await asyncio.wait_for(self._database.run_read(_ping), self._timeout)
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"
        except Exception as exc:
            found = outage_of(exc)
            log.info("/readyz: the database did not answer (%s)", type(exc).__name__)
            return found.value if found is not None else f"error ({type(exc).__name__})"
        return None

    async def scrape(self, request: web.Request) -> web.Response:
        """Answer every metric in the Prometheus text format."""
        body = self.metrics.render()  # on the loop: the live values are read where they change
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def web_servers(settings: Settings, ops: Ops, pages: Sequence[Installer] = ()) -> list[WebServer]:
    """Return the servers the settings ask for: WEB_PORT's, and METRICS_PORT's when set."""
    own_metrics = settings.metrics_port is not None
    servers = []
    if settings.web_port is not None:
        endpoints = functools.partial(ops.install, metrics=not own_metrics)
        servers.append(
            WebServer(
                settings.web_host,
                settings.web_port,
                [endpoints, *pages],
                rate=settings.web_rate,
                proxies=settings.trusted_proxies,
            )
        )
    if settings.metrics_port is not None:
        servers.append(
            WebServer(
                settings.metrics_host,
                settings.metrics_port,
                [ops.install_metrics],
                name="METRICS_PORT",
            )
        )
    return servers
