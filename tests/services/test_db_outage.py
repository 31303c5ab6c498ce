"""PostgreSQL out of order: a hung server fails a write in seconds; a read-only one holds votes."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.domain.outcomes import Choice
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.votes.writer import VoteWriter
from db.faults import Outage, outage_of
from db.session import CONNECT_TIMEOUT, Database
from tests.pg import PgServer

SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)


async def test_a_hung_server_fails_a_write_within_the_connect_timeout(
    db_url: str, pg_server: PgServer
) -> None:
    database = Database(db_url)  # nothing pooled: the write must connect
    handle: Any = pg_server.handle
    postmaster = handle._postmaster_info.process  # psutil.Process
    postmaster.suspend()  # the socket still accepts; nobody answers the startup message
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as caught:  # whatever the driver raises
            async with database.write() as session:
                await session.execute(text("SELECT 1"))
        took = time.monotonic() - started
    finally:
        postmaster.resume()
        await database.dispose()
    assert outage_of(caught.value) is Outage.UNREACHABLE, repr(caught.value)
    assert took < CONNECT_TIMEOUT + 5, f"failed after {took:.1f}s"


async def test_votes_wait_out_a_read_only_postgresql_database_and_commit_after(
    services: Services, db_url: str, pg_server: PgServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Sessions turned read-only (as on a standby): votes wait, one line each way, none lost."""
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 101)
    name = make_url(db_url).database
    admin = await asyncpg.connect(host=pg_server.socket_dir, user="postgres", database="postgres")
    cut_off = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
    writer = VoteWriter(services.votes, max_batch=20, max_delay=0.01)
    try:
        await admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        await admin.execute(cut_off, name)  # the pooled sessions reconnect read-only
        with caplog.at_level(logging.INFO, logger="db.session"):
            for member in range(1, 101):
                writer.put(
                    VoteEvent(EventKind.CAST, 101, member, Choice.PARTLY, services.clock.now())
                )
            assert not await writer.caught_up(2.0)
            await admin.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")
            await admin.execute(cut_off, name)
            await asyncio.wait_for(writer.flush(), 20)
    finally:
        await admin.close()
    assert writer.committed == 100
    assert len(await services.votes.votes_of_poll(poll.id)) == 100
    messages = [r.getMessage() for r in caplog.records]
    assert sum("The database is read-only" in m for m in messages) == 1, messages
    assert sum("takes writes again" in m for m in messages) == 1, messages
