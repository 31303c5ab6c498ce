"""`db copy`: a season's data copied to the other backend and back, equal row for row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict
from bot.services import Services
from bot.services.copying import copy_database
from db.copy import tables
from db.models import GuildSettings, Poll, Vote
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
    await _seal_one_poll(services)
    original = await every_row(services.db)
    assert len(original["votes"]) > 290 and original["resolution_events"]
    # The sealed-ballot columns travel too (the copy is column-generic: this proves it).
    polls = {c.name: i for i, c in enumerate(tables_by_name()["polls"].columns)}
    sealed = [r for r in original["polls"] if r[polls["ballot_style"]] == "sealed"]
    assert [(r[polls["sealed_root"]], r[polls["sealed_count"]]) for r in sealed] == [("ab" * 32, 7)]
    votes = {c.name: i for i, c in enumerate(tables_by_name()["votes"].columns)}
    assert sum(r[votes["salt"]] == "0f" * 16 for r in original["votes"]) > 0
    settings = {c.name: i for i, c in enumerate(tables_by_name()["guild_settings"].columns)}
    assert [
        (r[settings["ballot_style"]], r[settings["web_enabled"]])
        for r in original["guild_settings"]
    ] == [("sealed", True)]
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


def tables_by_name() -> dict[str, Any]:
    """Return the copied tables by name."""
    return {t.name: t for t in tables()}


async def _seal_one_poll(services: Services) -> None:
    """Give the season a sealed poll, its salted ballots and a server that opted in."""
    async with services.db.write() as session:
        poll_id = await session.scalar(select(Poll.id).order_by(Poll.id).limit(1))
        await session.execute(
            update(Poll)
            .where(Poll.id == poll_id)
            .values(ballot_style="sealed", sealed_root="ab" * 32, sealed_count=7)
        )
        await session.execute(update(Vote).where(Vote.poll_id == poll_id).values(salt="0f" * 16))
        await session.execute(update(GuildSettings).values(ballot_style="sealed", web_enabled=True))
