"""The boards benchmarks' data: a large SQLite file built once, and its copy into PostgreSQL.

The SQLite file under ``bench/out/`` is named after its parameters and reused while its
recorded parameters and schema revision match. The schema comes from the real migrations (``db.migrate.upgrade``);
the rows are bulk-loaded with stdlib ``sqlite3`` in one transaction: guild 1 (UTC),
``predictions`` predictions, each with one posted and closed poll and about ``votes /
predictions`` votes from distinct random members out of ``members`` (each with a stored display
name); 2% of predictions get a second poll where some members re-vote (so "the latest vote
across polls" matters). Every prediction is resolved (about 5% void) at an instant spread over
``months`` months from January 2025 (or ``Params.first``), UTC. The score ledger is then built by the real service
(``BoardService.ensure_ledger``), as for a database that predates it.

PostgreSQL gets the same rows, ledger included, copied from that file with asyncpg's
``copy_records_to_table`` (seconds for a million votes), optionally relabelled to another guild
and channel (the emulator's).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import harness
from sqlalchemy import Boolean, Date, DateTime
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.services import Services
from db import migrate
from db.copy import tables
from db.session import Database

GUILD_ID = 1
CHANNEL_ID = 900_000_000_000_000_001
MEMBER_BASE = 100_000_000_000_000_000
MESSAGE_BASE = 500_000_000_000_000_000
FIRST_MONTH = Month(2025, 1)
SECOND_POLL_SHARE = 0.02
REVOTE_SHARE = 0.3
VOID_SHARE = 0.05
OUTCOMES = ("came_true", "partly", "did_not")
PARAMS_KEY = "bench_board_params"
#: Bump when the generated rows change, so older files are rebuilt.
FORMAT = 3

# Stored forms, checked against SQLAlchemy's own SQLite processors before a build.
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
    #: The first of the `months` months the resolutions spread over ("YYYY-MM").
    first: str = str(FIRST_MONTH)

    @property
    def slug(self) -> str:
        """Return a file-name-safe tag of these parameters."""
        slug = f"v{self.votes}_m{self.members}_p{self.predictions}_mo{self.months}_s{self.seed}"
        return slug if self.first == str(FIRST_MONTH) else f"{slug}_f{self.first}"

    def stamp(self) -> str:
        """Return what a finished build records: the parameters, data format and schema revision."""
        shape = asdict(self)
        if self.first == str(FIRST_MONTH):  # as files built before `first` existed record it
            del shape["first"]
        return json.dumps({**shape, "format": FORMAT, "schema": migrate.head_revision()})

    def month(self, n: int) -> Month:
        """Return the n-th month of the data (0-based)."""
        month = Month.parse(self.first)
        for _ in range(n):
            month = month.next()
        return month


@dataclass(frozen=True, slots=True)
class Relabel:
    """Move the data to another guild and channel (the emulator's) while copying."""

    guild_id: int
    channel_id: int


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
    span_start = month_start(params.month(0))
    span_seconds = int((month_start(params.month(params.months)) - span_start).total_seconds())
    created = ts(span_start - timedelta(days=400))
    rows: dict[str, list[tuple[Any, ...]]] = {
        "guild_settings": [(GUILD_ID, "UTC", CHANNEL_ID, CHANNEL_ID, None, None, created)],
        "predictions": [],
        "polls": [],
        "votes": [],
        "resolutions": [],
        "resolution_events": [],
        "member_names": [(GUILD_ID, m, f"Member {m - MEMBER_BASE}", created) for m in members],
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
    "member_names": "guild_id, member_id, name, updated_at",
}


def stored_stamp(path: Path) -> str | None:
    """Return the stamp recorded in a finished benchmark database, None if absent."""
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


async def build_sqlite(path: Path, params: Params) -> tuple[float, float]:
    """Create the database at path (replacing any); return (seconds in all, of them the ledger)."""
    check_storage_formats()
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
    ledger_seconds = time.perf_counter() - ledger_started
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)",
            (PARAMS_KEY, params.stamp(), ts(datetime.now(UTC))),
        )
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.perf_counter() - started, ledger_seconds


async def ensure_sqlite(
    params: Params, *, db: str | None = None, rebuild: bool = False
) -> tuple[Path, float | None]:
    """Return the benchmark's SQLite file, building it unless a finished one matches."""
    harness.OUT.mkdir(parents=True, exist_ok=True)
    path = Path(db) if db else harness.OUT / f"board_{params.slug}.sqlite"
    if not rebuild and stored_stamp(path) == params.stamp():
        print(f"reusing {path}", flush=True)
        return path, None
    print(f"building {path} ...", flush=True)
    seconds, ledger_seconds = await build_sqlite(path, params)
    print(
        f"built in {seconds:.1f} s (of which the score ledger {ledger_seconds:.1f} s)", flush=True
    )
    return path, seconds


# -- copies ----------------------------------------------------------------------------------


def _converter(column: Any, relabel: Relabel | None) -> Callable[[Any], Any] | None:
    """Return how a stored SQLite value of this column becomes its PostgreSQL value."""
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    if relabel is not None and column.name == "guild_id":
        return lambda v: relabel.guild_id if v == GUILD_ID else v
    if relabel is not None and column.name.endswith("channel_id"):
        return lambda v: relabel.channel_id if v == CHANNEL_ID else v
    return None


def _converted(
    rows: Sequence[tuple[Any, ...]], converters: Sequence[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    """Apply each column's converter to every row."""
    if all(c is None for c in converters):
        return list(rows)
    out: list[Any] = [list(row) for row in rows]
    for index, convert in enumerate(converters):
        if convert is not None:
            for row in out:
                row[index] = convert(row[index])
    return [tuple(row) for row in out]


async def copy_to_postgres(source: Path, url: str, relabel: Relabel | None = None) -> float:
    """Migrate the PostgreSQL database at url and bulk-copy every row of source; return seconds."""
    import asyncpg

    started = time.perf_counter()
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    reader = sqlite3.connect(source)
    try:
        async with conn.transaction():
            for table in tables():
                names = [c.name for c in table.columns]
                rows = reader.execute(f"SELECT {', '.join(names)} FROM {table.name}").fetchall()
                if not rows:
                    continue
                converters = [_converter(c, relabel) for c in table.columns]
                await conn.copy_records_to_table(
                    table.name, records=_converted(rows, converters), columns=names
                )
            for table in tables():
                if len(table.primary_key.columns) != 1:
                    continue
                (column,) = table.primary_key.columns
                sequence = await conn.fetchval(
                    "SELECT pg_get_serial_sequence($1, $2)", table.name, column.name
                )
                if sequence is not None:
                    await conn.execute(
                        f"SELECT setval($1, COALESCE((SELECT MAX({column.name})"
                        f" FROM {table.name}), 0) + 1, false)",
                        sequence,
                    )
        # A fresh load leaves autovacuum its whole work to do, on the cores the bench times.
        await conn.execute("VACUUM (ANALYZE, FREEZE)")
    finally:
        reader.close()
        await conn.close()
    return time.perf_counter() - started


def relabel_sqlite(path: Path, relabel: Relabel) -> None:
    """Move a SQLite copy's rows to another guild and channel, in place."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for table in tables():
            for column in table.columns:
                if column.name == "guild_id":
                    old, new = GUILD_ID, relabel.guild_id
                elif column.name.endswith("channel_id"):
                    old, new = CHANNEL_ID, relabel.channel_id
                else:
                    continue
                conn.execute(
                    f"UPDATE {table.name} SET {column.name} = ? WHERE {column.name} = ?", (new, old)
                )
        conn.execute("COMMIT")
    finally:
        conn.close()
