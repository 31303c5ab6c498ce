"""A vote batch the database refuses for a reason of its own holds up no other vote."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.domain.outcomes import Choice
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.votes.writer import VoteWriter
from db.faults import Outage, is_transient, outage_of
from db.session import WRITE_LOCK_KEY, Database
from tests.pg import PgServer
from tests.vote_reports import Told

GUILD = 111
POISON = 666  # the member whose vote the database refuses
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"

_SQLITE_TRIGGER = """
CREATE TRIGGER poison_votes BEFORE INSERT ON votes WHEN NEW.member_id = 666
BEGIN SELECT RAISE(ABORT, 'poisoned vote'); END
"""
_PG_FUNCTION = """
CREATE FUNCTION poison_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.member_id = 666 THEN RAISE EXCEPTION 'poisoned vote' USING ERRCODE = '23514'; END IF;
  RETURN NEW;
END $$
"""
_PG_TRIGGER = "CREATE TRIGGER poison_votes BEFORE INSERT ON votes FOR EACH ROW EXECUTE FUNCTION poison_votes()"


async def poison(db: Database) -> None:
    """Make the database itself refuse any vote row of member 666 (a real trigger)."""
    async with db.write() as session:
        if db.is_sqlite:
            await session.execute(text(_SQLITE_TRIGGER))
        else:
            await session.execute(text(_PG_FUNCTION))
            await session.execute(text(_PG_TRIGGER))


async def cure(db: Database) -> None:
    """Drop the trigger again (the cause of the refusal is gone)."""
    async with db.write() as session:
        if db.is_sqlite:
            await session.execute(text("DROP TRIGGER poison_votes"))
        else:
            await session.execute(text("DROP TRIGGER poison_votes ON votes"))
            await session.execute(text("DROP FUNCTION poison_votes()"))


@pytest.fixture
async def poll(services: Services) -> int:
    await services.predictions.load_seed(GUILD, load(SEED))
    poll, _ = await services.polls.open(GUILD, 1, channel_id=5, opened_by=1)
    await services.polls.attach_message(poll.id, 900)
    return poll.id


async def test_a_refused_event_is_set_aside_and_the_votes_after_it_commit_at_once(
    services: Services, poll: int, caplog: pytest.LogCaptureFixture
) -> None:
    await poison(services.db)
    now = services.clock.now()
    reports = Told()
    superseded = reports.replaced
    writer = VoteWriter(services.votes, reports, max_batch=10, max_delay=0.01)
    expected: dict[int, Choice] = {}
    # The poisoned event sits in the middle of the first batch; 5 more batches follow it.
    for member in range(1, 61):
        choice = list(Choice)[member % 3]
        if member == 5:
            writer.put(VoteEvent(EventKind.CAST, 900, POISON, Choice.DID_NOT, now))
        writer.put(VoteEvent(EventKind.CAST, 900, member, choice, now))
        expected[member] = choice
    # A member of the poisoned batch changes their mind in a later batch: order holds.
    writer.put(VoteEvent(EventKind.CAST, 900, 2, Choice.PARTLY, now))
    expected[2] = Choice.PARTLY
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="bot.services.votes"):
        await asyncio.wait_for(writer.flush(), 5)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0  # no retry with backoff: the batch went through at once
    assert await services.votes.votes_of_poll(poll) == expected  # nothing else is lost
    assert writer.committed == 62
    set_aside = [r for r in caplog.records if "set aside" in r.getMessage()]
    assert len(set_aside) == 1
    assert f"member {POISON}" in set_aside[0].getMessage()
    assert "message 900" in set_aside[0].getMessage()
    assert "poisoned vote" in set_aside[0].getMessage()
    assert all(member != POISON for _, member, _ in superseded)  # its reaction stays

    # The next read-back of that poll corrects the member's vote.
    await cure(services.db)
    reactions: dict[Choice, set[int]] = {c: set() for c in Choice}
    for member, choice in expected.items():
        reactions[choice].add(member)
    reactions[Choice.DID_NOT].add(POISON)
    report = await services.votes.apply_read_back(poll, reactions)
    assert (report.added, report.changed, report.removed) == (1, 0, 0)
    assert await services.votes.votes_of_poll(poll) == {**expected, POISON: Choice.DID_NOT}


async def test_a_refused_batch_keeps_the_one_statement_path_for_the_next(
    services: Services, poll: int
) -> None:
    """The batch after a poisoned one goes through whole, and so do retractions."""
    await poison(services.db)
    now = services.clock.now()
    first = services.votes.submit(
        [
            VoteEvent(EventKind.CAST, 900, 1, Choice.CAME_TRUE, now),
            VoteEvent(EventKind.CAST, 900, POISON, Choice.PARTLY, now),
            VoteEvent(EventKind.CAST, 900, 3, Choice.PARTLY, now),
        ],
        retry=True,
    )
    second = services.votes.submit(
        [
            VoteEvent(EventKind.RETRACT, 900, 1, Choice.CAME_TRUE, now),
            VoteEvent(EventKind.CAST, 900, 4, Choice.DID_NOT, now),
        ],
        retry=True,
    )
    report = await asyncio.wait_for(first, 5)
    assert [e.member_id for e in report.set_aside] == [POISON]
    assert set(report.writes) == {(900, 1), (900, 3)}
    later = await asyncio.wait_for(second, 5)
    assert later.set_aside == () and later.deletes == 1 and later.upserts == 1
    assert await services.votes.votes_of_poll(poll) == {3: Choice.PARTLY, 4: Choice.DID_NOT}


def test_busy_and_lost_connections_are_transient_data_errors_are_not() -> None:
    import sqlite3

    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert is_transient(locked)
    assert is_transient(ConnectionResetError())
    refused = IntegrityError("INSERT", {}, sqlite3.IntegrityError("poisoned vote"))
    assert not is_transient(refused)
    assert not is_transient(ValueError("naive datetime given to the database"))
    from asyncpg import exceptions as pg

    for transient in (pg.LockNotAvailableError, pg.SerializationError, pg.ConnectionFailureError):
        assert is_transient(OperationalError("INSERT", {}, transient("x"))), transient
    assert not is_transient(IntegrityError("INSERT", {}, pg.CheckViolationError("poisoned")))


def test_errors_of_the_whole_database_are_outages_named_by_cause() -> None:
    """A full disk, a read-only file, too many connections, a shutdown: wait, never set aside."""
    import sqlite3

    from asyncpg import exceptions as pg

    def sqlite_error(text: str, code: int) -> OperationalError:
        error = sqlite3.OperationalError(text)
        error.sqlite_errorcode = code  # as sqlite3 sets it
        return OperationalError("INSERT", {}, error)

    assert outage_of(sqlite_error("database or disk is full", 13)) is Outage.FULL
    assert outage_of(sqlite_error("attempt to write a readonly database", 8)) is Outage.READ_ONLY
    assert outage_of(sqlite_error("disk I/O error", 10 | (3 << 8))) is Outage.FAILING
    assert outage_of(sqlite_error("database is locked", 5)) is Outage.BUSY
    assert outage_of(OperationalError("x", {}, sqlite3.OperationalError("database is locked")))
    assert outage_of(sqlite_error("no such table: votes", 1)) is None
    for error, outage in (
        (pg.DiskFullError, Outage.FULL),
        (pg.TooManyConnectionsError, Outage.UNREACHABLE),
        (pg.ReadOnlySQLTransactionError, Outage.READ_ONLY),
        (pg.AdminShutdownError, Outage.UNREACHABLE),
        (pg.CannotConnectNowError, Outage.UNREACHABLE),
    ):
        assert outage_of(OperationalError("INSERT", {}, error("x"))) is outage, error
    assert outage_of(ConnectionRefusedError()) is Outage.UNREACHABLE
    try:  # a connection error raised elsewhere (Discord's REST, say) is not the database's
        raise ConnectionResetError("reset by Discord")
    except ConnectionResetError as elsewhere:
        assert outage_of(elsewhere) is None
    assert outage_of(IntegrityError("INSERT", {}, sqlite3.IntegrityError("poisoned vote"))) is None


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
async def test_a_batch_that_loses_its_connection_is_retried_whole(
    services: Services,
    poll: int,
    backend: str,
    pg_server: PgServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL: the server drops the batch's connection; the batch is tried again, whole."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: a server that drops a connection")
    import asyncpg

    name = services.db.engine.url.database
    holder = await asyncpg.connect(host=pg_server.socket_dir, user="postgres", database=name)
    admin = await asyncpg.connect(host=pg_server.socket_dir, user="postgres", database="postgres")
    try:
        holder_tx = holder.transaction()
        await holder_tx.start()
        await holder.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")  # a long write
        now = services.clock.now()
        batch = services.votes.submit(
            [VoteEvent(EventKind.CAST, 900, m, Choice.PARTLY, now) for m in range(1, 6)],
            retry=True,
        )
        waiting: list[int] = []
        for _ in range(200):  # until the batch waits for the write lock
            waiting = [
                r["pid"]
                for r in await admin.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = "
                    "'Lock' AND query LIKE '%advisory_xact_lock_shared%'",
                    name,
                )
            ]
            if waiting:
                break
            await asyncio.sleep(0.02)
        assert waiting
        await admin.execute("SELECT pg_terminate_backend($1)", waiting[0])
        await holder_tx.rollback()
        with caplog.at_level(logging.WARNING, logger="db.session"):
            report = await asyncio.wait_for(batch, 10)
    finally:
        await holder.close()
        await admin.close()
    assert report.set_aside == () and report.upserts == 5
    assert any("The database is unreachable" in r.getMessage() for r in caplog.records)
    assert any("takes writes again" in r.getMessage() for r in caplog.records)
    assert await services.votes.votes_of_poll(poll) == dict.fromkeys(range(1, 6), Choice.PARTLY)
