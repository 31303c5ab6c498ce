"""The boards benchmark's references: the board from the votes, and the bare driver.

``raw_board`` computes a month's board from the votes in one raw sqlite3 statement, to check
the service's board member by member; ``Driver`` runs the statements the service sent
(``capture``) again with the bare driver of the backend (sqlite3, or asyncpg).
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boarddata as data
from sqlalchemy import Engine, event

from bot.domain.months import Month
from bot.snapshots.boards import Board

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
        samples = []
        for _ in range(4):
            started = time.perf_counter()
            rows = await driver.fetch(item)
            samples.append(time.perf_counter() - started)
        sql = " ".join(item.sql.split())
        lines.append(
            f"--- statement {number}: {statistics.median(samples[1:]) * 1000:.1f} ms,"
            f" {len(rows)} rows"
        )
        lines.append(f"    {sql[:600]}{' ...' if len(sql) > 600 else ''}")
        lines.extend(f"    {line}" for line in await driver.plan(item))
    return lines
