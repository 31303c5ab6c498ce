"""Benchmark the public pages under 50 concurrent clients, against a static file of the same server.

Run from the repository root::

    .venv/bin/python bench/bench_web.py              # SQLite, 1,000,000 votes
    .venv/bin/python bench/bench_web.py --postgres   # the same rows in embedded PostgreSQL
    .venv/bin/python bench/bench_web.py --quick      # 20,000 votes, fewer requests (CI)

What it does:

1. Builds (or reuses) the boards benchmark's database (``bench/boarddata.py``); with
   ``--postgres`` copies it into a throwaway embedded PostgreSQL. Its server's pages are
   turned on.
2. Starts the shipped process, ``calledit web`` (``python -m bot web``) on a free port of
   127.0.0.1 with ``WEB_RATE=0`` (every client here comes from one address), as an operator
   runs it: the server, its headers and limits, its own services and board cache.
3. From this process, ``--clients`` clients (default 50) each send requests one after another
   on a kept-alive connection, in rounds: the style sheet (a static file served from memory
   by the same server: the reference), a month's board page, the all-time board page, and
   prediction pages (a random number each time). Rounds alternate so every kind sees the
   same machine. Each request is timed from sending to the last byte.
4. The goal: p99 of the board and prediction pages at most 100 ms. Prints a table and writes
   it as JSON (``--out``, default ``bench/out/web[-postgresql].json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import boarddata as data
from harness import OUT, REPO, Databases, Row, common_args, percentile, print_table

GOAL_MS = 100.0
KINDS = ("static file", "month board", "all-time board", "prediction")


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_web(url: str, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    """Start `calledit web` (python -m bot web) on a free port; return it and its base URL."""
    import aiohttp

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "METRICS_PORT": "",
        "WEB_RATE": "0",  # every client of this bench comes from one address
        "LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "web", cwd=REPO, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.perf_counter() + 120
    async with aiohttp.ClientSession() as http:
        while True:
            if child.returncode is not None or time.perf_counter() > deadline:
                raise SystemExit(f"calledit web did not get ready; its log: {log}")
            try:
                async with http.get(base + "/readyz") as response:
                    if response.status == 200:
                        return child, base
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)


async def pages_on(url: str, path: Path) -> None:
    """Turn the bench server's pages on (the file is shared with the boards bench: harmless)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE guild_settings SET web_enabled = 1 WHERE guild_id = ?", (1,))
        return
    from sqlalchemy import update

    from db.models import GuildSettings
    from db.session import Database

    database = Database(url)
    async with database.write() as session:
        await session.execute(
            update(GuildSettings).where(GuildSettings.guild_id == 1).values(web_enabled=True)
        )
    await database.dispose()


async def load(
    base: str, kind: str, clients: int, per_client: int, paths: dict[str, Any]
) -> list[float]:
    """Send clients x per_client requests of one kind; return each one's seconds."""
    import aiohttp

    samples: list[float] = []
    rng = random.Random(len(samples))
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client() -> None:
            for _ in range(per_client):
                path = paths[kind](rng)
                started = time.perf_counter()
                async with http.get(base + path) as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"{path}: HTTP {response.status}")
                samples.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(clients)))
    return samples


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the database, serve it, load it and return the results."""
    params = data.Params(args.votes, args.members, args.predictions, args.months, args.seed)
    path, _ = await data.ensure_sqlite(params, db=args.db, rebuild=args.rebuild)
    month = str(data.nth_month(min(5, params.months - 1)))
    databases = Databases(args.postgres)
    url = f"sqlite+aiosqlite:///{path}"
    if args.postgres:
        url = await databases.fresh("web")
        await data.copy_to_postgres(path, url)
    await pages_on(url, path)
    OUT.mkdir(parents=True, exist_ok=True)
    child, base = await start_web(url, OUT / f"web-{databases.backend}.log")
    g = f"/s/{data.GUILD_ID}"
    paths = {
        "static file": lambda _rng: "/static/calledit.css",
        "month board": lambda _rng: f"{g}/board/{month}",
        "all-time board": lambda _rng: f"{g}/board/all-time",
        "prediction": lambda rng: f"{g}/p/{rng.randint(1, params.predictions)}",
    }
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    try:
        for kind in KINDS:  # warm-up: the first board read fills the board cache
            await load(base, kind, args.clients, 2, paths)
        for _ in range(args.rounds):
            for kind in KINDS:
                samples[kind] += await load(base, kind, args.clients, args.requests, paths)
    finally:
        child.send_signal(signal.SIGTERM)  # as an operator stops it
        await child.wait()
    results = {}
    for kind, seconds in samples.items():
        ms = [s * 1000 for s in seconds]
        results[kind] = {
            "requests": len(ms),
            "median_ms": statistics.median(ms),
            "p99_ms": percentile(ms, 0.99),
            "max_ms": max(ms),
        }
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "db": str(path),
        "votes": params.votes,
        "clients": args.clients,
        "month": month,
        "pages": results,
        "goal_p99_ms": GOAL_MS,
    }


def report(results: dict[str, Any]) -> None:
    """Print the table: each page's p99 beside the static file's, and the goal."""
    pages = results["pages"]
    static = pages["static file"]
    rows = [
        Row(
            f"static file (reference), {static['requests']} requests",
            f"p99 {static['p99_ms']:.1f} ms (median {static['median_ms']:.1f})",
        )
    ]
    for kind in KINDS[1:]:
        page = pages[kind]
        rows.append(
            Row(
                f"{kind} page, {page['requests']} requests",
                f"p99 {page['p99_ms']:.1f} ms (median {page['median_ms']:.1f})",
                f"static p99 {static['p99_ms']:.1f} ms",
                f"{page['p99_ms'] / max(static['p99_ms'], 0.001):.1f}x",
                f"p99 <= {GOAL_MS:.0f} ms",
                "OK" if page["p99_ms"] <= GOAL_MS else "OVER",
            )
        )
    print_table(
        f"public pages, {results['clients']} concurrent clients, "
        f"{results['votes']:,} votes, {results['backend']}",
        rows,
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    common_args(parser)
    parser.add_argument("--votes", type=int, default=1_000_000, help="first-poll votes in all")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--predictions", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--db", help="SQLite file (default: bench/out/board_<params>.sqlite)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if reusable")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=20, help="requests per client a round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the kinds of page")
    args = parser.parse_args()
    if args.quick:
        args.votes, args.members, args.predictions = 20_000, 1_000, 100
        args.requests, args.rounds = 4, 1
    return args


def main() -> None:
    """Run the benchmark, print and write the results."""
    args = parse_args()
    results = asyncio.run(run(args))
    report(results)
    out = args.out or OUT / f"web{'-postgresql' if args.postgres else ''}.json"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
