"""Vote writes on PostgreSQL: each kind is one statement for the whole batch, rows as arrays."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, text

_PG_UPSERT = text(
    "INSERT INTO votes (poll_id, member_id, prediction_id, choice, cast_at, salt) "
    "SELECT * FROM unnest(CAST(:p AS INTEGER[]), CAST(:m AS BIGINT[]), CAST(:pr AS INTEGER[]), "
    "CAST(:c AS SMALLINT[]), CAST(:at AS TIMESTAMP[]), CAST(:s AS VARCHAR[])) "
    "ON CONFLICT (poll_id, member_id) DO UPDATE SET "
    # A sealed ballot keeps its salt when the same choice is cast again (see services.votes).
    "salt = CASE WHEN votes.choice = excluded.choice AND votes.salt IS NOT NULL "
    "THEN votes.salt ELSE excluded.salt END, choice = excluded.choice, cast_at = excluded.cast_at"
)
_PG_DELETE = text(
    "DELETE FROM votes v USING unnest(CAST(:p AS INTEGER[]), CAST(:m AS BIGINT[])) AS d(p, m) "
    "WHERE v.poll_id = d.p AND v.member_id = d.m"
)
_PG_DELETE_IF = text(
    "DELETE FROM votes v USING unnest(CAST(:p AS INTEGER[]), CAST(:m AS BIGINT[]), "
    "CAST(:c AS SMALLINT[])) AS d(p, m, c) "
    "WHERE v.poll_id = d.p AND v.member_id = d.m AND v.choice = d.c"
)


def write_postgres(
    conn: Connection,
    upserts: list[tuple[int, int, int, int, datetime, str | None]],
    deletes: list[tuple[int, int]],
    conditional: list[tuple[int, int, int]],
) -> None:
    """Write a folded batch to PostgreSQL: at most three statements, whatever its size."""
    if upserts:
        p, m, pr, c, at, salt = zip(*upserts, strict=True)
        naive = [a.astimezone(UTC).replace(tzinfo=None) for a in at]
        conn.execute(
            _PG_UPSERT,
            {
                "p": list(p),
                "m": list(m),
                "pr": list(pr),
                "c": list(c),
                "at": naive,
                "s": list(salt),
            },
        )
    if deletes:
        p, m = zip(*deletes, strict=True)
        conn.execute(_PG_DELETE, {"p": list(p), "m": list(m)})
    if conditional:
        p, m, c = zip(*conditional, strict=True)
        conn.execute(_PG_DELETE_IF, {"p": list(p), "m": list(m), "c": list(c)})
