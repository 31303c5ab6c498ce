"""Copy every table from one database into another, empty one (SQLite to PostgreSQL or back)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Base
from db.session import Database

log = logging.getLogger(__name__)

#: Told (table, rows copied so far, rows in all) after each batch.
Progress = Callable[[str, int, int], None]


class TargetNotEmpty(Exception):
    """The target database already holds data; the message says where."""


def tables() -> list[Table]:
    """Return every table of the models, parents before children."""
    return list(Base.metadata.sorted_tables)


async def row_counts(database: Database) -> dict[str, int]:
    """Return the number of rows of every table (0 for a table that does not exist yet)."""
    async with database.engine.connect() as conn:
        present = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        counts: dict[str, int] = {}
        for table in tables():
            counts[table.name] = (
                int(await conn.scalar(select(func.count()).select_from(table)) or 0)
                if table.name in present
                else 0
            )
        return counts


async def ensure_empty(database: Database) -> None:
    """Raise TargetNotEmpty unless no table of ours holds a row there."""
    full = {name: n for name, n in (await row_counts(database)).items() if n}
    if full:
        listing = ", ".join(f"{n} in {name}" for name, n in full.items())
        raise TargetNotEmpty(f"the target database already holds data ({listing})")


async def copy_tables(
    source: Database, target: Database, *, batch: int = 5000, progress: Progress | None = None
) -> dict[str, int]:
    """Copy every row of every table in batches; return the rows copied per table.

    The source is read in one consistent snapshot and the target written in one transaction
    (under its write lock), so a failed copy leaves the target as empty as it was.
    """
    copied: dict[str, int] = {}
    counts = await row_counts(source)
    reader = source.engine
    if not source.is_sqlite:
        reader = reader.execution_options(isolation_level="REPEATABLE READ")
    async with (
        reader.connect() as src,
        src.begin(),
        target.engine.execution_options(calledit_write=True).begin() as dst,
    ):
        for table in tables():
            done = 0
            order = list(table.primary_key.columns)
            result = await src.stream(select(table).order_by(*order))
            async for rows in result.mappings().partitions(batch):
                await dst.execute(table.insert(), [dict(row) for row in rows])
                done += len(rows)
                if progress is not None:
                    progress(table.name, done, counts[table.name])
            copied[table.name] = done
            if progress is not None and done == 0:
                progress(table.name, 0, 0)
        if not target.is_sqlite:
            await _advance_sequences(dst)
    log.info("copied %d rows in %d tables", sum(copied.values()), len(copied))
    return copied


async def _advance_sequences(conn: AsyncConnection) -> None:
    """Move PostgreSQL's id sequences past the copied ids, so new rows get fresh ones."""
    for table in tables():
        if len(table.primary_key.columns) != 1:
            continue
        (column,) = table.primary_key.columns
        sequence = await conn.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
        )
        if sequence is None:  # not a serial id (a snowflake, a key)
            continue
        await conn.execute(
            text(
                f"SELECT setval(:s, COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0)"
                " + 1, false)"
            ),
            {"s": sequence},
        )
