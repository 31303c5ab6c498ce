"""`db copy`: a season's data copied to the other backend and back, equal row for row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict
from bot.services import Services
from bot.services.copying import copy_database
from db.copy import tables
from db.session import Database
from tests.pg import PgServer
from tests.services.test_season import GUILD, play_season


async def every_row(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Return every table's rows in primary-key order."""
    async with database.read() as session:
        return {
            table.name: [
                tuple(row)
                for row in await session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in tables()
        }


async def test_a_season_copies_to_the_other_backend_and_back(
    services: Services,
    clock: FrozenClock,
    backend: str,
    pg_server: PgServer,
    tmp_path: Path,
) -> None:
    """From SQLite to PostgreSQL and back (or the other way round): nothing lost or changed."""
    await play_season(services, clock)
    original = await every_row(services.db)
    assert len(original["votes"]) > 290 and original["resolution_events"]
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'copy.db'}"
    there_url = sqlite_url if backend == "postgresql" else await pg_server.create(migrated=False)
    back_url = (
        await pg_server.create(migrated=False)
        if backend == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path / 'back.db'}"
    )
    there, back = Database(there_url), Database(back_url)
    lines: list[tuple[str, int, int]] = []
    try:
        report = await copy_database(
            services.db, there, clock, batch=100, progress=lambda *a: lines.append(a)
        )
        assert report.rows["votes"] == len(original["votes"]) and report.guilds == 1
        assert ("votes", 100, len(original["votes"])) in lines  # batches of 100, with progress
        assert await every_row(there) == original
        await copy_database(there, back, clock)
        assert await every_row(back) == original

        # The copy is a working database: new rows get fresh ids past the copied ones.
        copied = Services.build(there, clock)
        added = await copied.predictions.add(GUILD, title="After the move", statement="s")
        assert added.number == 11
        all_time = await copied.boards.all_time(GUILD)
        assert all_time.rows == (await services.boards.all_time(GUILD)).rows

        # A target that holds data is refused, and left as it was.
        before = await every_row(there)
        with pytest.raises(Conflict, match="already holds data"):
            await copy_database(services.db, there, clock)
        assert await every_row(there) == before
    finally:
        await there.dispose()
        await back.dispose()
        for url in (there_url, back_url):
            if url.startswith("postgresql"):
                await pg_server.drop(url)
