"""Benchmark: the shipped process's first start in many new servers, and a restart.

Run from the repository root::

    .venv/bin/python bench/bench_first_start.py              # 1,000 servers, SQLite
    .venv/bin/python bench/bench_first_start.py --postgres   # on embedded PostgreSQL
    .venv/bin/python bench/bench_first_start.py --quick      # 50 servers (CI)

The emulator runs in its own process with ``guilds`` new servers (25 channels, 15 roles and 5
members each); ``python -m bot run`` starts as a subprocess on a fresh database, as an
operator starts it. Timed from the process's start until every server has its predictions in
the database (counted there, by a separate connection), then the process's resident memory
once it has been quiet for a few seconds. Then it is stopped with SIGTERM and started again
on the same database (the schema current, every server seeded) and its memory read the same
way. Prints a table and writes JSON (``bench/out/first-start[-postgresql].json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUT, Databases, Row, common_args, emulator, print_table, rss_mb
from shipped import ShippedBot
from sqlalchemy import text

from db.session import Database

#: Seconds the bot is left quiet before its memory is read.
SETTLE = 8.0
SEED_GOAL_S = 5.0


async def seeded_guilds(database: Database) -> int:
    """Return how many servers have predictions (0 before the schema exists)."""
    try:
        async with database.read() as session:
            found = await session.scalar(text("SELECT count(DISTINCT guild_id) FROM predictions"))
    except Exception:  # not migrated yet
        return 0
    return int(found or 0)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the emulator, the bot twice; return the timings and memory."""
    dbs = Databases(args.postgres)
    url = await dbs.fresh("first_start")
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"first-start-bot-{dbs.backend}.log"
    log.write_bytes(b"")
    database = Database(url)
    results: dict[str, Any] = {"backend": dbs.backend, "guilds": args.guilds}
    async with emulator(ratelimits=True) as (remote, info):
        shape = {"count": args.guilds, "channels": 25, "roles": 15, "members": 5}
        await remote.post("/guilds/bulk", shape)
        started = time.perf_counter()
        bot = ShippedBot(info, url, log)
        await bot.start()
        try:
            while (seeded := await seeded_guilds(database)) < args.guilds:
                if bot.returncode() is not None or time.perf_counter() - started > 600:
                    raise SystemExit(f"{seeded} of {args.guilds} seeded; see {log}")
                await asyncio.sleep(0.05)
            results["all_seeded_s"] = time.perf_counter() - started
            await asyncio.sleep(SETTLE)
            results["rss_first_start_mb"] = rss_mb(bot.pid())
        finally:
            results["first_exit"] = await bot.stop()
        bot = ShippedBot(info, url, log)
        await bot.start()
        try:
            await asyncio.sleep(SETTLE + 2.0)
            results["rss_restart_mb"] = rss_mb(bot.pid())
        finally:
            results["restart_exit"] = await bot.stop()
    await database.dispose()
    return results


def report(r: dict[str, Any]) -> None:
    """Print the table."""
    seeded = r["all_seeded_s"]
    print_table(
        f"first start of calledit run in {r['guilds']:,} new servers, {r['backend']}",
        [
            Row(
                "process start -> every server seeded, s",
                f"{seeded:.2f}",
                goal=f"<= {SEED_GOAL_S:.0f} after IDENTIFY",
                verdict="ok" if seeded <= SEED_GOAL_S else "OVER",
            ),
            Row("RSS after the first start, MB", f"{r['rss_first_start_mb']:.1f}"),
            Row("RSS after a restart (schema current), MB", f"{r['rss_restart_mb']:.1f}"),
            Row(
                "exit status on SIGTERM (first / restart)",
                f"{r['first_exit']} / {r['restart_exit']}",
            ),
        ],
    )


def main() -> None:
    """Parse the arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser)
    parser.add_argument("--guilds", type=int, default=1000, help="new servers at the start")
    args = parser.parse_args()
    if args.quick:
        args.guilds = 50
    results = asyncio.run(run(args))
    report(results)
    out = args.out or OUT / f"first-start{'-postgresql' if args.postgres else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
