"""The database on both backends: migrations match the models, concurrent writers stay safe."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from db.migrate import HEAD, current_revision, head_revision, upgrade
from db.models import Base, BotState
from db.session import Database

REPO = Path(__file__).resolve().parents[2]


async def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    """From an empty database (a fresh PostgreSQL too) the migrations build exactly the models."""
    database = Database(empty_db_url)
    assert await current_revision(database) is None
    await upgrade(database)
    async with database.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    assert diff == []
    assert await current_revision(database) == head_revision()
    await database.dispose()


async def test_upgrade_is_idempotent(database: Database) -> None:
    assert await upgrade(database) == head_revision()


def test_the_shipped_head_is_alembics() -> None:
    """db.migrate.HEAD names the newest migration: a start at it skips Alembic altogether."""
    assert head_revision() == HEAD


async def test_a_start_on_a_current_database_leaves_alembic_unloaded(db_url: str) -> None:
    """Nearly every start finds the schema current: one read, and Alembic's 11 MB not loaded."""
    database = Database(db_url)
    await upgrade(database)  # as the first start did
    await database.dispose()
    script = (
        "import asyncio, sys\n"
        "from db.migrate import HEAD, upgrade\n"
        "from db.session import Database\n"
        "async def main():\n"
        "    database = Database(sys.argv[1])\n"
        "    assert await upgrade(database) == HEAD\n"
        "    await database.dispose()\n"
        "asyncio.run(main())\n"
        "import bot.runner\n"
        "print(sorted(m for m in ('alembic', 'jinja2') if m in sys.modules))\n"
    )
    done = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, db_url, stdout=PIPE, stderr=PIPE, cwd=REPO
    )
    out, err = await done.communicate()
    assert done.returncode == 0, err.decode()
    assert out.decode().strip() == "[]"  # nor the pages' templates without WEB_PORT


async def test_sqlite_is_tuned_at_connect(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite only: PostgreSQL needs no tuning at connect")
    async with database.read() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


async def test_concurrent_read_then_write_never_sees_locked(empty_db_url: str) -> None:
    """Four engines (as four processes would) each read a counter then write it back.

    No update is lost and none fails: SQLite's BEGIN IMMEDIATE, PostgreSQL's write lock.
    """
    url = empty_db_url
    first = Database(url)
    await upgrade(first)
    async with first.write() as session:
        session.add(BotState(key="n", value="0", updated_at=datetime(2025, 1, 1, tzinfo=UTC)))
    writers = [Database(url) for _ in range(4)]

    async def bump(db: Database, times: int) -> None:
        for _ in range(times):
            async with db.write() as session:
                value = int(
                    (
                        await session.execute(text("SELECT value FROM bot_state WHERE key='n'"))
                    ).scalar_one()
                )
                await asyncio.sleep(0)  # let the others interleave between read and write
                await session.execute(
                    text("UPDATE bot_state SET value=:v WHERE key='n'"), {"v": str(value + 1)}
                )

    await asyncio.gather(*(bump(db, 25) for db in writers))
    async with first.read() as session:
        assert (
            await session.execute(text("SELECT value FROM bot_state WHERE key='n'"))
        ).scalar_one() == "100"
    for db in [first, *writers]:
        await db.dispose()


async def test_database_folder_is_created_on_first_use(backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only: a file database")
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    await upgrade(db)
    await db.dispose()
    assert (tmp_path / "deep" / "er" / "x.db").exists()
