"""The public pages over a real database (SQLite and PostgreSQL), served on a real socket;
and the emulator world of tests/bot, for the web endpoints of a running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select, update

from bot.domain.clock import FrozenClock
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.web.pages import PAGE_TTL, install
from db.models import Poll, Prediction
from tests.bot.conftest import live, world
from tests.services.test_polls_votes import GUILD, HALF, NO, SEED, YES, open_poll

__all__ = ["live", "world"]

OTHER = 222
#: Members of GUILD with their names: one hostile, one right-to-left, one zalgo.
NAMES = {
    1: "Ada",
    2: '<script>alert("x")</script> & "Bo"',
    3: "מרים العربية",
    4: "Z̷̢̛̖a̵̡̙l̸̨̛g̶̢̛o̴̡̢",
    5: "Eve",
}
VOTES = {  # prediction number -> member -> choice
    1: {1: YES, 2: YES, 3: NO, 4: HALF, 5: YES},
    2: {1: NO, 2: YES, 3: YES, 4: YES},
    3: {1: YES, 2: NO, 5: NO},
}


@pytest.fixture
def clock() -> FrozenClock:
    """Return a clock in November 2025 (the boards' month)."""
    return FrozenClock(datetime(2025, 11, 3, 9, tzinfo=UTC))


async def show_pages(services: Services, guild_id: int, on: bool = True) -> None:
    """Turn a server's pages on or off in the database."""
    await services.guilds.set_web(guild_id, on)


async def play(services: Services, clock: FrozenClock) -> None:
    """Seed two servers, vote on three polls of GUILD, resolve two, open one more."""
    seed = load(SEED)
    for guild in (GUILD, OTHER):
        await services.predictions.load_seed(guild, seed)
    events = []
    for number, votes in VOTES.items():
        await open_poll(services, number, 1000 + number, hours=720)
        events += [
            VoteEvent(EventKind.CAST, 1000 + number, m, c, clock.now(), NAMES[m], GUILD)
            for m, c in votes.items()
        ]
    await services.votes.apply(events)
    await services.resolution.resolve(
        GUILD,
        1,
        "came_true",
        actor_id=9,
        note="It did.",
        evidence_url="https://example.org/a?b=1&c=2",
    )
    await services.resolution.resolve(GUILD, 2, "did_not", actor_id=9, note="Nope.")
    await services.disputes.file(GUILD, 2, 2, 'It did! <b>"really"</b>')
    await show_pages(services, GUILD)


@dataclass
class Site:
    """The pages served on 127.0.0.1: their base address and a client session."""

    url: str
    http: aiohttp.ClientSession
    services: Services
    clock: FrozenClock

    async def get(self, path: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
        """Return the status, body text and headers of a path."""
        async with self.http.request(method, self.url + path, allow_redirects=False) as r:
            body = await r.read()
            return r.status, body.decode("utf-8", "replace"), dict(r.headers)


@pytest.fixture
async def serve(
    services: Services, clock: FrozenClock
) -> AsyncIterator[Callable[..., Awaitable[Site]]]:
    """Return a starter of the pages over the test database, on a free port."""
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(ttl: float = PAGE_TTL) -> Site:
        app = web.Application()
        install(
            app,
            database=services.db,
            clock=clock,
            services=services,
            guild_name=lambda g: {GUILD: "Forecasters <b>&amp;</b>"}.get(g),
            ttl=ttl,
        )
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        http = aiohttp.ClientSession()
        sessions.append(http)
        return Site(f"http://127.0.0.1:{port}", http, services, clock)

    yield start
    for http in sessions:
        await http.close()
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def site(
    services: Services, clock: FrozenClock, serve: Callable[..., Awaitable[Site]]
) -> Site:
    """Return the pages of a played season, GUILD's pages on, OTHER's off."""
    await play(services, clock)
    return await serve()


async def seal(services: Services, number: int) -> None:
    """Make a prediction's open poll a sealed one (its split hidden until it closes)."""
    async with services.db.write() as session:
        pid = await session.scalar(
            select(Prediction.id).where(Prediction.guild_id == GUILD, Prediction.number == number)
        )
        await session.execute(
            update(Poll)
            .where(Poll.prediction_id == pid, Poll.closed_at.is_(None))
            .values(ballot_style="sealed")
        )
