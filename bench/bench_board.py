"""Benchmark the leaderboards on a large SQLite database.

Run from the repository root::

    .venv/bin/python bench/bench_board.py                  # full size: 1,000,000 votes
    .venv/bin/python bench/bench_board.py --votes 100000 --members 2000 --predictions 100
    .venv/bin/python bench/bench_board.py --explain        # also print the service's query plans

What it does:

1. Builds (or reuses) a SQLite file under ``bench/out/`` named after its parameters. The schema
   comes from the real migrations (``db.migrate.upgrade``); the rows are bulk-loaded with stdlib
   ``sqlite3`` in one transaction: guild 1 (UTC), ``--predictions`` predictions, each with one
   posted and closed poll and about ``--votes / --predictions`` votes from distinct random members
   out of ``--members``; 2% of predictions get a second poll where some members re-vote (so "the
   latest vote across polls" matters). Every prediction is resolved (about 5% void) at an instant
   spread over ``--months`` months from January 2025, UTC. The parameters are recorded in
   ``bot_state`` when the build completes, so an interrupted build is never reused.
2. Times ``services.boards.month(1, MONTH)`` through the real services (2 warm-ups, then
   ``--repeat`` runs) and reports median and p90.
3. Times one raw ``sqlite3`` statement that computes the same board (latest vote per member and
   prediction, points, peer scores, totals per member) and checks that it agrees with the service.
4. Times ``services.boards.all_time(1)`` and ``services.boards.member(1, member)``.
5. Prints a results table and writes it as JSON to ``bench/out/board.json``.

With ``--explain``, each SQL statement the monthly board emits is captured, re-run and timed on
its own with ``sqlite3`` and shown with its ``EXPLAIN QUERY PLAN``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.services import Services
from bot.services.snapshots import Board
from db import migrate
from db.session import Database

T = TypeVar("T")

OUT = Path(__file__).resolve().parent / "out"
GUILD_ID = 1
CHANNEL_ID = 900_000_000_000_000_001
MEMBER_BASE = 100_000_000_000_000_000
MESSAGE_BASE = 500_000_000_000_000_000
FIRST_MONTH = Month(2025, 1)
WARMUPS = 2
SECOND_POLL_SHARE = 0.02
REVOTE_SHARE = 0.3
VOID_SHARE = 0.05
OUTCOMES = ("came_true", "partly", "did_not")
ORDINAL = {"did_not": 0, "partly": 1, "came_true": 2}
PARAMS_KEY = "bench_board_params"

# Stored forms, checked against SQLAlchemy's own SQLite processors at start-up.
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
DATE_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class Params:
    """The shape of the generated data."""

    votes: int
    members: int
    predictions: int
    months: int
    seed: int

    @property
    def slug(self) -> str:
        """Return a file-name-safe tag of these parameters."""
        return f"v{self.votes}_m{self.members}_p{self.predictions}_mo{self.months}_s{self.seed}"


@dataclass(frozen=True, slots=True)
class Timing:
    """Timings of one measured call, in milliseconds."""

    name: str
    runs: int
    median_ms: float
    p90_ms: float
    min_ms: float
    detail: str = ""


# --------------------------------------------------------------------------------------------
# Building the database


def ts(value: datetime) -> str:
    """Return an aware datetime as SQLAlchemy stores a UTCDateTime on SQLite (naive UTC text)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime(DATETIME_FORMAT)


def check_storage_formats() -> None:
    """Fail early if our hand-written formats differ from what SQLAlchemy writes."""
    dialect = sqlite_dialect.dialect()
    dt_bind = sqlite_dialect.DATETIME().bind_processor(dialect)
    date_bind = sqlite_dialect.DATE().bind_processor(dialect)
    assert dt_bind is not None and date_bind is not None
    sample = datetime(2025, 3, 4, 12, 5, 6, 7, tzinfo=UTC)
    assert dt_bind(sample.replace(tzinfo=None)) == ts(sample), "datetime storage format changed"
    day = date(2025, 3, 4)
    assert date_bind(day) == day.strftime(DATE_FORMAT), "date storage format changed"


def month_start(month: Month) -> datetime:
    """Return the first instant of a month in UTC."""
    return month.start(ZoneInfo("UTC"))


def nth_month(n: int) -> Month:
    """Return the n-th month after FIRST_MONTH (0-based)."""
    month = FIRST_MONTH
    for _ in range(n):
        month = month.next()
    return month


def vote_counts(params: Params, rng: random.Random) -> list[int]:
    """Split the votes over predictions: about equal, varied in pairs so the total is exact."""
    base, extra = divmod(params.votes, params.predictions)
    counts = [base + (i < extra) for i in range(params.predictions)]
    for i in range(0, params.predictions - 1, 2):
        room = min(base // 2, params.members - max(counts[i], counts[i + 1]))
        delta = rng.randint(-room, room) if room > 0 else 0
        counts[i] += delta
        counts[i + 1] -= delta
    if max(counts) > params.members:
        raise SystemExit("--members must be at least --votes / --predictions")
    return counts


def generate(params: Params) -> dict[str, list[tuple[Any, ...]]]:
    """Generate every row to insert, keyed by table."""
    rng = random.Random(params.seed)
    members = [MEMBER_BASE + i for i in range(params.members)]
    span_start = month_start(FIRST_MONTH)
    span_seconds = int((month_start(nth_month(params.months)) - span_start).total_seconds())
    created = ts(span_start - timedelta(days=400))
    rows: dict[str, list[tuple[Any, ...]]] = {
        "guild_settings": [(GUILD_ID, "UTC", CHANNEL_ID, CHANNEL_ID, None, None, created)],
        "predictions": [],
        "polls": [],
        "votes": [],
        "resolutions": [],
        "resolution_events": [],
    }
    poll_id = 0
    for index, count in enumerate(vote_counts(params, rng)):
        prediction_id = number = index + 1
        resolved_at = span_start + timedelta(seconds=rng.randrange(span_seconds))
        due = resolved_at.date() - timedelta(days=rng.randint(0, 10))
        made_on = due - timedelta(days=rng.randint(30, 400))
        opened = datetime.combine(made_on, datetime.min.time(), UTC) + timedelta(hours=12)
        rows["predictions"].append(
            (
                prediction_id,
                GUILD_ID,
                number,
                f"Prediction {number}",
                f"Something will happen by {due.isoformat()} (#{number}).",
                f"Source {number % 37}",
                made_on.strftime(DATE_FORMAT),
                due.strftime(DATE_FORMAT),
                None,
                0,
                f"bench/{number}",
                ts(opened),
                ts(resolved_at),
            )
        )
        outcome = "void" if rng.random() < VOID_SHARE else rng.choice(OUTCOMES)
        rows["resolutions"].append(
            (prediction_id, GUILD_ID, outcome, ts(resolved_at), MEMBER_BASE, None, None)
        )
        rows["resolution_events"].append(
            (prediction_id, GUILD_ID, MEMBER_BASE, ts(resolved_at), None, outcome, None, None)
        )
        weights = [rng.random() + 0.2 for _ in range(3)]
        voters = sorted(rng.sample(members, count))
        polls = [opened]
        if rng.random() < SECOND_POLL_SHARE:
            polls.append(opened + (resolved_at - opened) / 2)
        for round_, poll_opened in enumerate(polls):
            poll_id += 1
            closes = resolved_at if round_ == len(polls) - 1 else polls[round_ + 1]
            rows["polls"].append(
                (
                    poll_id,
                    prediction_id,
                    GUILD_ID,
                    CHANNEL_ID,
                    MESSAGE_BASE + poll_id,
                    MEMBER_BASE,
                    ts(poll_opened),
                    ts(closes),
                    ts(closes),
                    "deadline",
                )
            )
            round_voters = (
                voters if round_ == 0 else sorted(rng.sample(voters, int(count * REVOTE_SHARE)))
            )
            choices = rng.choices((0, 1, 2), weights, k=len(round_voters))
            cast = ts(poll_opened + timedelta(minutes=5))
            rows["votes"].extend(
                (poll_id, member, prediction_id, choice, cast)
                for member, choice in zip(round_voters, choices, strict=True)
            )
    return rows


INSERTS = {
    "guild_settings": (
        "guild_id, timezone, polls_channel_id, leaderboard_channel_id, admin_role_id, seeded_at,"
        " created_at"
    ),
    "predictions": (
        "id, guild_id, number, title, statement, source, made_on, due, criteria, archived,"
        " seed_key, created_at, updated_at"
    ),
    "polls": (
        "id, prediction_id, guild_id, channel_id, message_id, opened_by, opened_at, closes_at,"
        " closed_at, close_reason"
    ),
    "votes": "poll_id, member_id, prediction_id, choice, cast_at",
    "resolutions": (
        "prediction_id, guild_id, outcome, resolved_at, resolved_by, note, evidence_url"
    ),
    "resolution_events": (
        "prediction_id, guild_id, actor_id, at, old_outcome, new_outcome, note, evidence_url"
    ),
}


def stored_params(path: Path) -> str | None:
    """Return the parameters recorded in a finished benchmark database, None if absent."""
    if not path.exists():
        return None
    try:
        with sqlite3.connect(path) as conn:
            row = conn.execute(
                "SELECT value FROM bot_state WHERE key = ?", (PARAMS_KEY,)
            ).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def remove_database(path: Path) -> None:
    """Delete a SQLite file and its WAL companions."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


LEDGER_SECONDS: list[float] = []


async def build(path: Path, params: Params) -> float:
    """Create the database at path (replacing any) and return the seconds it took."""
    started = time.perf_counter()
    remove_database(path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    rows = generate(params)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN")
        for table, columns in INSERTS.items():
            marks = ", ".join("?" * len(columns.split(",")))
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[table])
        conn.execute("COMMIT")
    finally:
        conn.close()
    # The score ledger, as the service builds it for a database that predates it (every
    # resolution's contributions posted once); a live bot posts them one resolution at a time.
    ledger_started = time.perf_counter()
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await Services.build(database, FrozenClock(datetime.now(UTC))).boards.ensure_ledger()
    finally:
        await database.dispose()
    LEDGER_SECONDS.append(time.perf_counter() - ledger_started)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)",
            (PARAMS_KEY, json.dumps(asdict(params)), ts(datetime.now(UTC))),
        )
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# The raw board

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
    start, end = month_start(month), month_start(month.next())
    return conn.execute(
        RAW_BOARD, {"guild": GUILD_ID, "start": ts(start), "end": ts(end)}
    ).fetchall()


def raw_ledger(conn: sqlite3.Connection, month: Month) -> list[tuple[int, float, float, int, int]]:
    """Read a month's board from the score ledger in one statement, sorted as ranked."""
    return conn.execute(
        "SELECT member_id, points, peer, scored, exact FROM member_scores"
        " WHERE guild_id = ? AND period = ? ORDER BY points DESC, peer DESC, scored DESC",
        (GUILD_ID, str(month)),
    ).fetchall()


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


# --------------------------------------------------------------------------------------------
# Timing


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


def time_sync(fn: Callable[[], T], repeat: int) -> tuple[list[float], T]:
    """Run a call WARMUPS + repeat times; return the timed samples and the last result."""
    result = fn()
    for _ in range(WARMUPS - 1):
        result = fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


# --------------------------------------------------------------------------------------------
# Query plans of the service's SQL


@dataclass(slots=True)
class Captured:
    """A statement the service sent to the driver."""

    sql: str
    params: Sequence[Any]


def capture(database: Database) -> tuple[list[Captured], Callable[[], None]]:
    """Record every statement sent on the engine; return the list and a function to stop."""
    captured: list[Captured] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            captured.append(Captured(sql, tuple(params or ())))

    target = database.engine.sync_engine
    event.listen(target, "before_cursor_execute", on_execute)
    return captured, lambda: event.remove(target, "before_cursor_execute", on_execute)


def explain(conn: sqlite3.Connection, statements: Sequence[Captured]) -> Iterator[str]:
    """Yield, per statement: its time run alone, its SQL (shortened) and its query plan."""
    for number, item in enumerate(statements, start=1):
        samples, rows = time_sync(
            lambda item=item: conn.execute(item.sql, item.params).fetchall(), 3
        )
        sql = " ".join(item.sql.split())
        yield f"--- statement {number}: {statistics.median(samples) * 1000:.1f} ms, {len(rows)} rows"
        yield f"    {sql[:600]}{' ...' if len(sql) > 600 else ''}"
        depth: dict[int, int] = {0: 0}
        for node, parent, _, detail in conn.execute(f"EXPLAIN QUERY PLAN {item.sql}", item.params):
            depth[node] = depth.get(parent, 0) + 1
            yield f"    plan: {'  ' * (depth[node] - 1)}{detail}"


# --------------------------------------------------------------------------------------------
# Main


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the database, time everything and return the results."""
    check_storage_formats()
    params = Params(args.votes, args.members, args.predictions, args.months, args.seed)
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.db) if args.db else OUT / f"board_{params.slug}.sqlite"
    build_seconds: float | None = None
    if args.rebuild or stored_params(path) != json.dumps(asdict(params)):
        print(f"building {path} ...", flush=True)
        build_seconds = await build(path, params)
        print(
            f"built in {build_seconds:.1f} s (of which the score ledger {LEDGER_SECONDS[-1]:.1f} s)",
            flush=True,
        )
    else:
        print(f"reusing {path}", flush=True)
    month = Month.parse(args.month) if args.month else nth_month(min(5, params.months - 1))

    conn = sqlite3.connect(path)
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("predictions", "polls", "votes", "resolutions")
    }
    month_votes = conn.execute(
        "SELECT count(*) FROM votes JOIN resolutions AS r USING (prediction_id)"
        " WHERE r.guild_id = ? AND r.resolved_at >= ? AND r.resolved_at < ?",
        (GUILD_ID, ts(month_start(month)), ts(month_start(month.next()))),
    ).fetchone()[0]

    database = Database(f"sqlite+aiosqlite:///{path}")
    services = Services.build(database, FrozenClock(month_start(month.next()) + timedelta(days=3)))
    timings: list[Timing] = []
    plans: list[str] = []
    try:

        def cold(call: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
            """Time the computation, not the cache: forget cached boards before each call."""

            def run() -> Awaitable[T]:
                services.boards.clear_cache()
                return call()

            return run

        samples, board = await time_async(
            cold(lambda: services.boards.month(GUILD_ID, month)), args.repeat
        )
        scored_votes = sum(r.scored for r in board.rows)
        timings.append(
            summarize(
                f"service month {month}",
                samples,
                f"{len(board.resolved)} resolved, {len(board.rows)} rows, {scored_votes} votes"
                f" (of {month_votes} vote rows)",
            )
        )
        raw_samples, raw = time_sync(lambda: raw_board(conn, month), args.repeat)
        timings.append(summarize(f"raw sqlite3 month {month}", raw_samples, f"{len(raw)} rows"))
        ledger_samples, ledger_rows = time_sync(lambda: raw_ledger(conn, month), args.repeat)
        timings.append(
            summarize(
                f"raw sqlite3 month {month}, ledger",
                ledger_samples,
                f"{len(ledger_rows)} rows, the same read the service makes, sorted",
            )
        )
        matched, match_detail = compare(board, raw)

        warm_samples, _ = await time_async(
            lambda: services.boards.month(GUILD_ID, month), args.repeat
        )
        timings.append(
            summarize(f"service month {month}, cached", warm_samples, "no resolution since")
        )
        all_samples, all_board = await time_async(
            cold(lambda: services.boards.all_time(GUILD_ID)), args.slow_repeat
        )
        timings.append(
            summarize(
                "service all-time",
                all_samples,
                f"{len(all_board.resolved)} resolved, {len(all_board.rows)} rows,"
                f" {sum(r.scored for r in all_board.rows)} votes",
            )
        )
        member = board.rows[len(board.rows) // 2].member_id if board.rows else MEMBER_BASE
        member_samples, stats = await time_async(
            cold(lambda: services.boards.member(GUILD_ID, member)), args.slow_repeat
        )
        timings.append(
            summarize("service member stats (cold)", member_samples, "includes the all-time board")
        )
        member_samples, stats = await time_async(
            lambda: services.boards.member(GUILD_ID, member), args.slow_repeat
        )
        timings.append(
            summarize(
                "service member stats (board cached)",
                member_samples,
                f"member {member}: {stats.votes} votes, rank "
                f"{stats.row.rank if stats.row else '-'} of {stats.ranked_members}",
            )
        )
        if args.explain:
            captured, stop = capture(database)
            await services.boards.month(GUILD_ID, month)
            stop()
            plans = list(explain(conn, captured))
    finally:
        await database.dispose()
        conn.close()

    service, raw_timing = timings[0], timings[1]
    return {
        "params": asdict(params),
        "db": str(path),
        "sqlite_version": sqlite3.sqlite_version,
        "build_seconds": build_seconds,
        "rows": counts,
        "month": str(month),
        "repeat": args.repeat,
        "timings": [asdict(t) for t in timings],
        "service_over_raw": service.median_ms / raw_timing.median_ms,
        "totals_match": matched,
        "totals_detail": match_detail,
        "plans": plans,
    }


def report(results: dict[str, Any]) -> None:
    """Print the results as a compact table."""
    build = results["build_seconds"]
    print()
    print(f"db      {results['db']}  (SQLite {results['sqlite_version']})")
    print(f"build   {'reused' if build is None else f'{build:.1f} s'}")
    print("rows    " + ", ".join(f"{k} {v:,}" for k, v in results["rows"].items()))
    print()
    print(f"{'measure':<28} {'runs':>4} {'median ms':>10} {'p90 ms':>10} {'min ms':>10}  detail")
    for t in results["timings"]:
        print(
            f"{t['name']:<28} {t['runs']:>4} {t['median_ms']:>10.1f} {t['p90_ms']:>10.1f}"
            f" {t['min_ms']:>10.1f}  {t['detail']}"
        )
    print()
    print(f"service / raw (median)  {results['service_over_raw']:.1f}x")
    print(f"totals  {'OK' if results['totals_match'] else 'MISMATCH'}: {results['totals_detail']}")
    if results["plans"]:
        print()
        print("\n".join(results["plans"]))


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
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
    parser.add_argument("--json", default=str(OUT / "board.json"), help="where to write JSON")
    return parser.parse_args()


def main() -> None:
    """Run the benchmark, print the table and write the JSON."""
    args = parse_args()
    results = asyncio.run(run(args))
    report(results)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
