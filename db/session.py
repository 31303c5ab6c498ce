"""Engine and sessions: one session per unit of work, SQLite tuned at connect."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")


class Database:
    """Own the engine and hand out sessions for reads and for writes."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            _ensure_sqlite_dir(parsed.database)
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine.sync_engine)
        self._sync_engine: Engine | None = None
        self._closing = False
        self._batch_lock: asyncio.Lock | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.engine.execution_options(calledit_write=True), expire_on_commit=False
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Open a read-only unit of work (a deferred transaction)."""
        async with self._read() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """Open a unit of work that writes; commits on success, rolls back on error.

        On SQLite it starts with BEGIN IMMEDIATE, so a read-then-write never hits
        "database is locked" when another writer commits in between.
        """
        async with self._write() as session, session.begin():
            yield session

    def submit_batch(
        self, work: Callable[[Connection], T], *, retry: bool = False
    ) -> asyncio.Future[T]:
        """Start synchronous ``work`` in one write transaction now; return a future of its result.

        For the hot vote path. On SQLite the whole transaction goes in one hop to a dedicated
        worker thread on a plain pysqlite connection (instead of an event-loop round trip per
        statement through aiosqlite), and it starts at once, without waiting for the event
        loop: sqlite3 releases the GIL while it works, so commits overlap with reading the
        gateway. Batches run one at a time in submission order. With ``retry`` a failed batch
        is retried with a backoff until it succeeds, before any later batch runs, so nothing
        submitted is lost or reordered. Elsewhere the work runs on the async engine.
        """
        if not self.is_sqlite:
            return asyncio.ensure_future(self._write_batch_async(work, retry))
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calledit-db")
        return asyncio.wrap_future(self._executor.submit(self._write_batch, work, retry))

    async def write_batch(self, work: Callable[[Connection], T]) -> T:
        """Run synchronous ``work`` in one write transaction and return its result."""
        return await self.submit_batch(work)

    async def _write_batch_async(self, work: Callable[[Connection], T], retry: bool) -> T:
        if self._batch_lock is None:
            self._batch_lock = asyncio.Lock()
        async with self._batch_lock:  # FIFO: batches run one at a time, in submission order
            return await self._write_batch_async_locked(work, retry)

    async def _write_batch_async_locked(self, work: Callable[[Connection], T], retry: bool) -> T:
        delay = 0.1
        while True:
            try:
                async with self.engine.execution_options(calledit_write=True).begin() as conn:
                    return await conn.run_sync(work)
            except Exception:
                if not retry:
                    raise
                log.exception("a write batch failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write_batch(self, work: Callable[[Connection], T], retry: bool) -> T:
        delay = 0.1
        while True:
            try:
                if self._sync_engine is None:
                    url = make_url(self.url).set(drivername="sqlite")
                    self._sync_engine = create_engine(
                        url,
                        connect_args={
                            "timeout": BUSY_TIMEOUT_MS / 1000,
                            "check_same_thread": False,
                        },
                    )
                    _tune_sqlite(self._sync_engine)
                with self._sync_engine.execution_options(calledit_write=True).begin() as conn:
                    return work(conn)
            except Exception:
                if not retry or self._closing:
                    raise
                log.exception("a write batch failed; retrying in %.1fs", delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def dispose(self) -> None:
        """Close every pooled connection and the worker thread."""
        self._closing = True
        await self.engine.dispose()
        if self._executor is not None:
            executor, self._executor = self._executor, None
            if self._sync_engine is not None:
                await asyncio.get_running_loop().run_in_executor(
                    executor, self._sync_engine.dispose
                )
                self._sync_engine = None
            executor.shutdown(wait=True)


def _ensure_sqlite_dir(database: str | None) -> None:
    """Create the folder of a SQLite file on first use."""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: Engine) -> None:
    """Set WAL, synchronous NORMAL, foreign keys and a busy timeout; control BEGIN ourselves."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's own transaction handling would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("calledit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
