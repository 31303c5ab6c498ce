"""Database.run_read on both backends: committed data, no transaction left, a lost connection."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, select, text

from db.models import BotState
from db.session import Database

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _keys(connection: Connection) -> list[str]:
    return list(connection.scalars(select(BotState.key).order_by(BotState.key)))


async def test_a_read_sees_what_writes_committed(database: Database) -> None:
    assert await database.run_read(_keys) == []
    async with database.write() as session:
        session.add(BotState(key="a", value="1", updated_at=NOW))
    assert await database.run_read(_keys) == ["a"]
    async with database.write() as session:
        session.add(BotState(key="b", value="2", updated_at=NOW))
    assert await database.run_read(_keys) == ["a", "b"]


async def test_a_read_leaves_no_transaction_open(database: Database) -> None:
    await database.run_read(_keys)
    async with database.write() as session:  # would wait on SQLite's lock, or PostgreSQL's
        session.add(BotState(key="c", value="3", updated_at=NOW))
    assert await database.run_read(_keys) == ["c"]


async def test_a_read_whose_connection_the_server_dropped_reads_again(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL only: a server that drops connections")
    assert await database.run_read(_keys) == []
    # Every other session of this database ends, the pooled read connection among them, as
    # when the server restarts.
    async with database.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    with caplog.at_level(logging.INFO, logger="db.session"):
        assert await database.run_read(_keys) == []
    assert "a pooled read connection was lost" in caplog.text
