"""The HTTP server: aiohttp (which discord.py brings), safe by default.

Binds to 127.0.0.1 unless told otherwise. Every response carries security headers and, unless
a handler set its own, `Cache-Control: no-store`. GET and HEAD only (405 otherwise); a bad path
is a plain 404; an error a plain 500 (logged, never shown); each address gets a token bucket
(429 with Retry-After past it). What it serves is added by installers, one call each:
`WebServer(host, port, [ops.install, pages.install])`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from types import TracebackType

from aiohttp import web

from bot.domain.errors import InvalidInput
from bot.domain.token_bucket import TokenBuckets
from bot.web.proxies import Proxies

log = logging.getLogger(__name__)

Installer = Callable[[web.Application], None]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Requests a second per client address by default (WEB_RATE); the burst allowed is twice it.
RATE = 20.0
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # No script anywhere; styles and images from this server only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
METHODS = frozenset({"GET", "HEAD"})


def _plain(status: int, text: str, **headers: str) -> web.Response:
    return web.Response(status=status, text=text + "\n", headers=headers or None)


class WebServer:
    """One HTTP listener (host, port) and what its installers put on it."""

    def __init__(
        self,
        host: str,
        port: int,
        installers: Sequence[Installer],
        *,
        rate: float = RATE,
        burst: int | None = None,
        proxies: Proxies | None = None,
        clock: Callable[[], float] = time.monotonic,
        name: str = "WEB_PORT",
    ) -> None:
        """Serve what the installers add on host:port, `rate` requests a second per client.

        `rate` 0: no limit; `burst`: twice the rate unless given; `proxies`: the trusted reverse
        proxies, whose X-Forwarded-For names the client.
        """
        #: The setting that asked for this listener, named when it can't listen.
        self.name = name
        self.host = host
        self.port = port
        self._buckets = TokenBuckets(rate, burst or max(1, round(rate * 2))) if rate > 0 else None
        self._proxies = proxies or Proxies()
        self._clock = clock
        self.app = web.Application(middlewares=[self._guard])
        self.app.on_response_prepare.append(_headers)
        for install in installers:
            install(self.app)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; `port` 0 takes a free port, then `port` is the one bound."""
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            reason = exc.strerror or str(exc)
            message = f"{self.name}: can't listen on {self.host}:{self.port} ({reason})"
            raise InvalidInput(message) from None
        self._runner = runner
        if runner.addresses:  # the port bound, when 0 asked for any free one
            self.port = int(runner.addresses[0][1])
        log.info("serving HTTP on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and finish the requests in progress."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> WebServer:
        """Start; the block serves."""
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Allow GET and HEAD within the address's rate; plain 404, 405, 429 and 500."""
        if request.method not in METHODS:
            return _plain(405, "Method not allowed", Allow="GET, HEAD")
        if self._buckets is not None:
            forwarded = request.headers.getall("X-Forwarded-For", [])
            client = self._proxies.client_of(request.remote, forwarded)
            wait = self._buckets.take(client, self._clock())
            if wait:
                retry = str(self._buckets.retry_after(wait))
                return _plain(429, "Too many requests", **{"Retry-After": retry})
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status == 405:
                return _plain(405, "Method not allowed", Allow="GET, HEAD")
            if exc.status in (301, 302, 303, 307, 308, 304):
                raise
            if exc.status == 404:
                return _plain(404, "Not found")
            return _plain(exc.status, exc.reason)
        except Exception:
            log.exception("HTTP %s %s failed", request.method, request.path)
            return _plain(500, "Internal error")


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the security headers, and no-store unless the handler chose its caching."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Server"] = "calledit"  # not aiohttp's name and version (it sets one first)


@contextlib.asynccontextmanager
async def serving(servers: Sequence[WebServer]) -> AsyncIterator[Sequence[WebServer]]:
    """Start every server for the block; stop them all after it."""
    async with contextlib.AsyncExitStack() as stack:
        for server in servers:
            await stack.enter_async_context(server)
        yield servers
