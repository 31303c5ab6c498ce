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
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import boarddata as data
from harness import OUT, Databases, Row, common_args, print_table
from sqlalchemy import Engine, event

from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.services import Services
from bot.services.snapshots import Board
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


# -- the reference: the board from the votes, in one raw sqlite3 statement --------------------

RAW_BOARD = """
WITH res AS (
    SELECT prediction_id AS pid,
           CASE outcome WHEN 'did_not' THEN 0 WHEN 'partly' THEN 1 WHEN 'came_true' THEN 2 END AS o
    FROM resolutions
    WHERE guild_id = :guild AND resolved_at >= :start AND resolved_at < :end
      AND outcome <> 'void'
),
latest AS (
    -- SQLite takes bare columns from the row that holds max(): the vote in the newest poll.
    SELECT v.prediction_id AS pid, v.member_id AS mid, v.choice AS choice, max(v.poll_id)
    FROM votes AS v
    WHERE v.prediction_id IN (SELECT pid FROM res)
    GROUP BY v.prediction_id, v.member_id
),
scored AS (
    SELECT l.pid, l.mid,
           1.0 - abs(l.choice - res.o) / 2.0 AS pts,
           l.choice = res.o AS exact
    FROM latest AS l JOIN res ON res.pid = l.pid
),
peered AS (
    SELECT mid, pts, exact,
           CASE WHEN count(*) OVER w > 1
                THEN pts - (sum(pts) OVER w - pts) / (count(*) OVER w - 1)
                ELSE 0.0 END AS peer
    FROM scored
    WINDOW w AS (PARTITION BY pid)
)
SELECT mid, sum(pts) AS points, sum(peer) AS peer, count(*) AS scored, sum(exact) AS exact
FROM peered
GROUP BY mid
ORDER BY points DESC, peer DESC, scored DESC
"""


def raw_board(conn: sqlite3.Connection, month: Month) -> list[tuple[int, float, float, int, int]]:
    """Compute a month's board (member, points, peer, scored, exact) in one statement."""
    start, end = data.month_start(month), data.month_start(month.next())
    bounds = {"guild": data.GUILD_ID, "start": data.ts(start), "end": data.ts(end)}
    return conn.execute(RAW_BOARD, bounds).fetchall()


def compare(board: Board, raw: Sequence[tuple[int, float, float, int, int]]) -> tuple[bool, str]:
    """Compare the service's board with the raw one: totals, then member by member."""
    service_points = sum(r.points for r in board.rows)
    raw_points = sum(r[1] for r in raw)
    service_votes = sum(r.scored for r in board.rows)
    raw_votes = sum(r[3] for r in raw)
    by_member = {r[0]: r for r in raw}
    mismatched = sum(
        1
        for row in board.rows
        if (theirs := by_member.get(row.member_id)) is None
        or abs(theirs[1] - row.points) > 1e-9
        or abs(theirs[2] - row.peer) > 1e-5
        or theirs[3] != row.scored
        or theirs[4] != row.exact
    )
    ok = (
        len(board.rows) == len(raw)
        and abs(service_points - raw_points) < 1e-6
        and service_votes == raw_votes
        and mismatched == 0
    )
    detail = (
        f"rows {len(board.rows)} vs {len(raw)}, points {service_points:.1f} vs {raw_points:.1f},"
        f" scored votes {service_votes} vs {raw_votes}, members differing {mismatched}"
    )
    return ok, detail


# -- the service's statements, and the bare driver that runs them again -----------------------


@dataclass(slots=True)
class Captured:
    """A statement the service sent to the driver."""

    sql: str
    params: tuple[Any, ...]


def capture() -> tuple[list[Captured], Callable[[], None]]:
    """Record every statement sent on the engine; return the list and a function to stop."""
    captured: list[Captured] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            captured.append(Captured(sql, tuple(params or ())))

    # Every engine: the service reads boards on engines of their own (Database.run_read).
    event.listen(Engine, "before_cursor_execute", on_execute)
    return captured, lambda: event.remove(Engine, "before_cursor_execute", on_execute)


class Driver:
    """The bare driver on the benchmark database: stdlib sqlite3, or asyncpg."""

    def __init__(self, sqlite_path: Path | None, pg: Any = None) -> None:
        self._sqlite = sqlite3.connect(sqlite_path) if sqlite_path is not None else None
        self._pg = pg
        self.name = "raw sqlite3" if pg is None else "raw asyncpg"

    @classmethod
    async def open(cls, url: str, sqlite_path: Path) -> Driver:
        """Connect to the database at url (the SQLite file itself, or PostgreSQL)."""
        if url.startswith("sqlite"):
            return cls(sqlite_path)
        import asyncpg

        return cls(None, await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql")))

    async def fetch(self, statement: Captured) -> list[Any]:
        """Run a captured statement with its parameters and fetch every row."""
        if self._sqlite is not None:
            return self._sqlite.execute(statement.sql, statement.params).fetchall()
        return await self._pg.fetch(statement.sql, *statement.params)

    async def plan(self, statement: Captured) -> Iterator[str]:
        """Return the backend's plan of a statement."""
        if self._sqlite is not None:
            rows = self._sqlite.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.params)
            return iter([f"plan: {detail}" for *_, detail in rows])
        rows = await self._pg.fetch(
            f"EXPLAIN (ANALYZE, BUFFERS) {statement.sql}", *statement.params
        )
        return iter([f"plan: {r[0]}" for r in rows])

    async def close(self) -> None:
        """Close the connection."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()


async def explain(driver: Driver, statements: Sequence[Captured]) -> list[str]:
    """Return, per statement: its time run alone, its SQL (shortened) and its query plan."""
    lines: list[str] = []
    for number, item in enumerate(statements, start=1):
        samples, rows = await time_async(lambda item=item: driver.fetch(item), 3)
        sql = " ".join(item.sql.split())
        lines.append(
            f"--- statement {number}: {statistics.median(samples) * 1000:.1f} ms, {len(rows)} rows"
        )
        lines.append(f"    {sql[:600]}{' ...' if len(sql) > 600 else ''}")
        lines.extend(f"    {line}" for line in await driver.plan(item))
    return lines


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
