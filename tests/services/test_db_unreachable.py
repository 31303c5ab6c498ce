"""A PostgreSQL server that hangs (its postmaster stopped, SIGSTOP) fails a write in seconds."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import text

from db.faults import Outage, outage_of
from db.session import CONNECT_TIMEOUT, Database
from tests.pg import PgServer

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
