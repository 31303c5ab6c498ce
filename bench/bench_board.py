"""Benchmark the leaderboards on a large database, SQLite or PostgreSQL.

Run from the repository root::

    .venv/bin/python bench/bench_board.py                  # SQLite, 1,000,000 votes
    .venv/bin/python bench/bench_board.py --postgres       # the same rows in embedded PostgreSQL
    .venv/bin/python bench/bench_board.py --quick          # 20,000 votes, a few runs (CI)
    .venv/bin/python bench/bench_board.py --explain        # also the service's query plans

What it does:

1. Builds (or reuses) the SQLite file under ``bench/out/`` (``bench/boarddata.py``); with
   ``--postgres`` copies it into a throwaway embedded PostgreSQL (``harness.Databases``).
2. The goal: the first monthly board after a resolution, through the service (cold: its cache
   cleared, then ``services.boards.month(guild, month)``), against the same ledger read in raw
   SQL on the same backend: the very statement the service sends (captured from the engine),
   run with the bare driver (``sqlite3``, or ``asyncpg``) and fetched. The two alternate, run
   by run, so both see the same load; the ratio of their medians is the result (goal 1.5x).
3. Also times the cached board, the all-time board and a member's stats, and computes the
   month's board from the votes in one raw ``sqlite3`` statement to check the service's board
   member by member (on PostgreSQL too: its rows are a copy of the same file).
4. Prints a table and writes it as JSON (``--out``, default ``bench/out/board[-postgresql].json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import boarddata as data
from boardcheck import Captured, Driver, capture, compare, explain, raw_board
from harness import OUT, Databases, Row, common_args, print_table

from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.domain.outcomes import Outcome
from bot.services import Services
from bot.snapshots.boards import Board
from db.session import Database

T = TypeVar("T")
WARMUPS = 2
GOAL = 1.5


@dataclass(frozen=True, slots=True)
class Timing:
    """Timings of one measured call, in milliseconds."""

    name: str
    runs: int
    median_ms: float
    p90_ms: float
    min_ms: float
    detail: str = ""


def summarize(name: str, samples: Sequence[float], detail: str = "") -> Timing:
    """Summarize samples in seconds as a Timing in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[min(len(ms) - 1, max(0, round(0.9 * len(ms)) - 1))]
    return Timing(name, len(ms), statistics.median(ms), p90, ms[0], detail)


async def time_async(fn: Callable[[], Awaitable[T]], repeat: int) -> tuple[list[float], T]:
    """Run an async call WARMUPS + repeat times; return the timed samples and the last result."""
    result = await fn()
    for _ in range(WARMUPS - 1):
        result = await fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - started)
    return samples, result


# -- main ------------------------------------------------------------------------------------


async def ledger_statement(services: Services, database: Database, month: Month) -> Captured:
    """Return the statement with which the service reads the month's ledger."""
    captured, stop = capture()
    try:
        services.boards.clear_cache()
        await services.boards.month(data.GUILD_ID, month)
    finally:
        stop()
    reads = [c for c in captured if "member_scores" in c.sql]
    if len(reads) != 1:
        raise SystemExit(f"expected one ledger read in the monthly board, saw {len(reads)}")
    return reads[0]


async def goal_pairs(
    services: Services, driver: Driver, statement: Captured, month: Month, repeat: int
) -> tuple[list[float], list[float], Board, int]:
    """Time the cold board and the raw read of its ledger in turn; return both, the last board."""
    service: list[float] = []
    raw: list[float] = []
    board: Board | None = None
    rows = 0
    for n in range(WARMUPS + repeat):
        services.boards.clear_cache()
        started = time.perf_counter()
        board = await services.boards.month(data.GUILD_ID, month)
        middle = time.perf_counter()
        rows = len(await driver.fetch(statement))
        ended = time.perf_counter()
        if n >= WARMUPS:
            service.append(middle - started)
            raw.append(ended - middle)
    assert board is not None
    return service, raw, board, rows


async def resolution_changes(
    args: argparse.Namespace,
    databases: Databases,
    path: Path,
    url: str,
    clock: FrozenClock,
    month: Month,
) -> list[float]:
    """Time unresolving and resolving again predictions resolved in the month (seconds each)."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-board-"))
    if not args.postgres:
        shutil.copyfile(path, scratch / "changes.sqlite")
        url = f"sqlite+aiosqlite:///{scratch / 'changes.sqlite'}"
    database = Database(url)
    services = Services.build(database, clock)
    source = sqlite3.connect(path)
    start, end = data.month_start(month), data.month_start(month.next())
    resolved = source.execute(
        "SELECT p.number, r.outcome FROM resolutions AS r JOIN predictions AS p ON p.id ="
        " r.prediction_id WHERE r.resolved_at >= ? AND r.resolved_at < ? AND r.outcome <> 'void'"
        " ORDER BY p.number LIMIT ?",
        (data.ts(start), data.ts(end), args.slow_repeat),
    ).fetchall()
    source.close()
    samples: list[float] = []
    try:
        for number, outcome in resolved:
            started = time.perf_counter()
            await services.resolution.unresolve(data.GUILD_ID, number)
            await services.resolution.resolve(data.GUILD_ID, number, Outcome(outcome))
            samples.append(time.perf_counter() - started)
    finally:
        await database.dispose()
        shutil.rmtree(scratch, ignore_errors=True)
    return samples


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the database, time everything and return the results."""
    params = data.Params(args.votes, args.members, args.predictions, args.months, args.seed)
    path, build_seconds = await data.ensure_sqlite(params, db=args.db, rebuild=args.rebuild)
    month = Month.parse(args.month) if args.month else data.nth_month(min(5, params.months - 1))
    databases = Databases(args.postgres)
    url = f"sqlite+aiosqlite:///{path}"
    copy_seconds = None
    if args.postgres:
        url = await databases.fresh("board")
        copy_seconds = await data.copy_to_postgres(path, url)
        print(f"copied into PostgreSQL in {copy_seconds:.1f} s", flush=True)

    source = sqlite3.connect(path)
    counts = {
        table: source.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("predictions", "polls", "votes", "resolutions", "member_scores")
    }
    database = Database(url)
    clock = FrozenClock(data.month_start(month.next()) + timedelta(days=3))
    services = Services.build(database, clock)
    driver = await Driver.open(url, path)
    timings: list[Timing] = []
    plans: list[str] = []
    try:
        statement = await ledger_statement(services, database, month)
        service_s, raw_s, board, raw_rows = await goal_pairs(
            services, driver, statement, month, args.repeat
        )
        scored_votes = sum(r.scored for r in board.rows)
        timings.append(
            summarize(
                f"service month {month}, cold",
                service_s,
                f"{len(board.resolved)} resolved, {len(board.rows)} rows, {scored_votes} votes",
            )
        )
        timings.append(
            summarize(
                f"{driver.name}, its ledger read",
                raw_s,
                f"{raw_rows} rows: the service's own statement, with the bare driver",
            )
        )
        board_started = time.perf_counter()
        reference = raw_board(source, month)
        board_ms = (time.perf_counter() - board_started) * 1000
        matched, match_detail = compare(board, reference)

        warm, _ = await time_async(lambda: services.boards.month(data.GUILD_ID, month), args.repeat)
        timings.append(summarize(f"service month {month}, cached", warm, "no resolution since"))

        def cold(call: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
            def again() -> Awaitable[T]:
                services.boards.clear_cache()
                return call()

            return again

        all_s, all_board = await time_async(
            cold(lambda: services.boards.all_time(data.GUILD_ID)), args.slow_repeat
        )
        timings.append(
            summarize(
                "service all-time, cold",
                all_s,
                f"{len(all_board.resolved)} resolved, {len(all_board.rows)} rows",
            )
        )
        member = board.rows[len(board.rows) // 2].member_id if board.rows else data.MEMBER_BASE
        stats_s, _ = await time_async(
            cold(lambda: services.boards.member(data.GUILD_ID, member)), args.slow_repeat
        )
        timings.append(summarize("service member stats, cold", stats_s, "with the all-time board"))
        stats_s, stats = await time_async(
            lambda: services.boards.member(data.GUILD_ID, member), args.slow_repeat
        )
        timings.append(
            summarize(
                "service member stats, board cached",
                stats_s,
                f"{stats.votes} votes, rank {stats.row.rank if stats.row else '-'}",
            )
        )
        # Last, as it changes the data: a resolution change, which ranks its two periods again.
        # (The SQLite file is reused by later runs: the change is made on a copy of it.)
        changes = await resolution_changes(args, databases, path, url, clock, month)
        timings.append(
            summarize(
                "service resolution change", changes, "unresolve + resolve, ledger places kept"
            )
        )
        if args.explain:
            captured, stop = capture()
            services.boards.clear_cache()
            await services.boards.month(data.GUILD_ID, month)
            stop()
            plans = await explain(driver, captured)
    finally:
        await driver.close()
        await database.dispose()
        source.close()

    service, raw = timings[0], timings[1]
    return {
        "backend": databases.backend,
        "params": asdict(params),
        "db": str(path),
        "build_seconds": build_seconds,
        "copy_seconds": copy_seconds,
        "rows": counts,
        "month": str(month),
        "repeat": args.repeat,
        "timings": [asdict(t) for t in timings],
        "statement": " ".join(statement.sql.split()),
        "service_over_raw": service.median_ms / raw.median_ms,
        "raw_board_ms": board_ms,
        "totals_match": matched,
        "totals_detail": match_detail,
        "plans": plans,
    }


def report(results: dict[str, Any]) -> None:
    """Print the results as a table of same-run figures and the goal's ratio."""
    print(f"\ndb      {results['db']}  ({results['backend']})")
    print("rows    " + ", ".join(f"{k} {v:,}" for k, v in results["rows"].items()))
    print(f"read    {results['statement']}")
    timings = results["timings"]
    service, raw = timings[0], timings[1]
    ratio = results["service_over_raw"]
    rows = [
        Row(
            f"{t['name']} ({t['runs']} runs)",
            f"{t['median_ms']:.1f} ms (p90 {t['p90_ms']:.1f}, min {t['min_ms']:.1f})",
            t["detail"],
        )
        for t in timings[2:]
    ]
    goal = Row(
        "first monthly board after a resolution: service / raw",
        f"{service['median_ms']:.1f} ms (p90 {service['p90_ms']:.1f})",
        f"{raw['median_ms']:.1f} ms (p90 {raw['p90_ms']:.1f}) {raw['name']}",
        f"{ratio:.2f}x",
        f"<= {GOAL}x",
        "OK" if ratio <= GOAL else "OVER",
    )
    checked = Row(
        "the board against the votes",
        "identical" if results["totals_match"] else "MISMATCH",
        f"raw sqlite3 from the votes {results['raw_board_ms']:.0f} ms",
        verdict="OK" if results["totals_match"] else "WRONG",
    )
    print_table(
        f"boards on {results['backend']}, median of same-run samples", [goal, checked, *rows]
    )
    print(f"\n  {results['totals_detail']}")
    if results["plans"]:
        print()
        print("\n".join(results["plans"]))


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    common_args(parser)
    parser.add_argument("--votes", type=int, default=1_000_000, help="first-poll votes in all")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--predictions", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=12, help="months resolutions spread over")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of the monthly boards")
    parser.add_argument("--slow-repeat", type=int, default=5, help="timed runs of the others")
    parser.add_argument("--month", help="month to time, YYYY-MM (default: the 6th month)")
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--db", help="SQLite file (default: bench/out/board_<params>.sqlite)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if reusable")
    parser.add_argument("--explain", action="store_true", help="show the service's query plans")
    args = parser.parse_args()
    if args.quick:
        args.votes, args.members, args.predictions = 20_000, 1_000, 100
        args.repeat, args.slow_repeat = 5, 2
    return args


def main() -> None:
    """Run the benchmark, print the table and write the JSON."""
    args = parse_args()
    results = asyncio.run(run(args))
    report(results)
    out = args.out or OUT / f"board{'-postgresql' if args.postgres else ''}.json"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
