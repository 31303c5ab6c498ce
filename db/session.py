"""Engine and sessions: one session per unit of work, SQLite tuned at connect."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.faults import Outage, describe, outage_of
from db.id_lists import require_json

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
#: The longest wait for a PostgreSQL connection (to connect, or for a free one in the pool): a
#: server that hangs fails a command in seconds, not in asyncpg's default minute.
CONNECT_TIMEOUT = 10.0
#: The longest wait between two tries of a vote batch while the database is out.
RETRY_MAX = 5.0
#: Reader threads on SQLite, and the pooled connections kept for reads on PostgreSQL.
READ_POOL = 2
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
            kwargs["pool_timeout"] = CONNECT_TIMEOUT
            kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        #: Told every error the driver raises (the metrics count them); None: nobody.
        self.on_error: Callable[[BaseException], None] | None = None
        _report_errors(self.engine.sync_engine, self)
        if self.is_sqlite:
            _tune_sqlite(self.engine.sync_engine)
        else:
            _lock_postgres_writes(self.engine.sync_engine)
        self._echo = echo
        self._sync_engine: Engine | None = None
        self._sync_lock = threading.Lock()
        self._closing = False
        #: What keeps vote batches from committing, and since when (None: nothing).
        self._outage: Outage | None = None
        self._outage_since = 0.0
        self._batch_lock: asyncio.Lock | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._autocommit: AsyncEngine | None = None
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
        "database is locked" when another writer commits in between. On PostgreSQL it first
        takes the database's write lock (a transaction-level advisory lock), the same one
        writer at a time, so a read-then-write never works on a stale read.
        """
        async with self._write() as session, session.begin():
            yield session

    async def run_read(self, work: Callable[[Connection], T]) -> T:
        """Run synchronous ``work`` as one read-only unit of work and return its result.

        For reads of several statements or thousands of rows. On SQLite the whole unit goes in
        one hop to a reader thread, on a plain pysqlite connection in one deferred transaction
        (one snapshot), instead of several event-loop hops per statement through aiosqlite. On
        PostgreSQL it runs on an autocommit engine of its own: each SELECT sees its own snapshot,
        as in a READ COMMITTED transaction, without the BEGIN and COMMIT round trips; and
        instead of pinging each pooled connection first (three round trips), a read that finds
        its connection lost (the server restarted) runs once more on a fresh one.
        """
        if not self.is_sqlite:
            if self._autocommit is None:
                self._autocommit = create_async_engine(
                    self.url,
                    echo=self._echo,
                    pool_size=READ_POOL,
                    isolation_level="AUTOCOMMIT",
                    pool_timeout=CONNECT_TIMEOUT,
                    connect_args={"timeout": CONNECT_TIMEOUT},
                )
                _report_errors(self._autocommit.sync_engine, self)
            try:
                async with self._autocommit.connect() as conn:
                    return await conn.run_sync(work)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                log.info("a pooled read connection was lost (%s); reading on a fresh one", exc)
            async with self._autocommit.connect() as conn:
                return await conn.run_sync(work)
        if self._readers is None:
            self._readers = ThreadPoolExecutor(
                max_workers=READ_POOL, thread_name_prefix="calledit-read"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._read_plain, work)

    def _read_plain(self, work: Callable[[Connection], T]) -> T:
        with self._plain_sqlite().connect() as conn, conn.begin():
            return work(conn)

    def _plain_sqlite(self) -> Engine:
        """Return the plain pysqlite engine that the worker threads share (made once)."""
        with self._sync_lock:
            if self._sync_engine is None:
                url = make_url(self.url).set(drivername="sqlite")
                self._sync_engine = create_engine(
                    url,
                    echo=self._echo,
                    connect_args={
                        "timeout": BUSY_TIMEOUT_MS / 1000,
                        "check_same_thread": False,
                    },
                )
                _tune_sqlite(self._sync_engine)
                _report_errors(self._sync_engine, self)
            return self._sync_engine

    def submit_batch(
        self,
        work: Callable[[Connection], T],
        *,
        retry: bool = False,
        salvage: Callable[[Connection], T] | None = None,
    ) -> asyncio.Future[T]:
        """Start synchronous ``work`` in one write transaction now; return a future of its result.

        For the hot vote path. On SQLite the whole transaction goes in one hop to a dedicated
        worker thread on a plain pysqlite connection (instead of an event-loop round trip per
        statement through aiosqlite), and it starts at once, without waiting for the event
        loop: sqlite3 releases the GIL while it works, so commits overlap with reading the
        gateway. Batches run one at a time in submission order. With ``retry`` a batch that
        fails for a passing reason (a busy or locked database, a lost connection) is retried
        with a backoff until it succeeds, before any later batch runs, so nothing submitted is
        lost or reordered. A batch that fails for any other reason is handed to ``salvage``
        (in a new transaction), which applies what it can piece by piece; without one it fails.
        Elsewhere the work runs on the async engine.
        """
        if not self.is_sqlite:
            return asyncio.ensure_future(self._write_batch_async(work, retry, salvage))
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calledit-db")
        return asyncio.wrap_future(self._executor.submit(self._write_batch, work, retry, salvage))

    async def write_batch(self, work: Callable[[Connection], T]) -> T:
        """Run synchronous ``work`` in one write transaction and return its result."""
        return await self.submit_batch(work)

    async def _write_batch_async(
        self,
        work: Callable[[Connection], T],
        retry: bool,
        salvage: Callable[[Connection], T] | None,
    ) -> T:
        if self._batch_lock is None:
            self._batch_lock = asyncio.Lock()
        async with self._batch_lock:  # FIFO: batches run one at a time, in submission order
            return await self._write_batch_async_locked(work, retry, salvage)

    async def _write_batch_async_locked(
        self,
        work: Callable[[Connection], T],
        retry: bool,
        salvage: Callable[[Connection], T] | None,
    ) -> T:
        delay = 0.1
        current = work
        while True:
            try:
                options = {"calledit_write": "shared"}  # vote batches of shards run side by side
                async with self.engine.execution_options(**options).begin() as conn:
                    result = await conn.run_sync(current)
            except Exception as exc:
                step = self._next_try(exc, retry, current, salvage, delay)
                if step is None:
                    raise
                current, wait = step
                await asyncio.sleep(wait)
                delay = min(delay * 2, RETRY_MAX) if wait else delay
            else:
                self._outage_over()
                return result

    def _write_batch(
        self,
        work: Callable[[Connection], T],
        retry: bool,
        salvage: Callable[[Connection], T] | None,
    ) -> T:
        delay = 0.1
        current = work
        while True:
            try:
                with self._plain_sqlite().execution_options(calledit_write=True).begin() as conn:
                    result = current(conn)
            except Exception as exc:
                step = self._next_try(exc, retry, current, salvage, delay)
                if step is None:
                    raise
                current, wait = step
                time.sleep(wait)
                delay = min(delay * 2, RETRY_MAX) if wait else delay
            else:
                self._outage_over()
                return result

    def _next_try(
        self,
        exc: Exception,
        retry: bool,
        current: Callable[[Connection], T],
        salvage: Callable[[Connection], T] | None,
        delay: float,
    ) -> tuple[Callable[[Connection], T], float] | None:
        """Say what follows a failed batch: the work to run and the wait first, None to fail.

        A fault of the database as a whole (busy, locked, lost, full, read-only, failing, see
        db.faults): the same work again after a backoff, logged once when it starts. Anything
        else: the salvage at once (once), so a batch with a bad event never holds up the next.
        """
        if not retry or self._closing:
            return None
        outage = outage_of(exc)
        if outage is not None:
            self._outage_began(outage, exc)
            return current, delay
        if salvage is None or current is salvage:
            return None
        log.warning("a write batch failed (%s); applying it piece by piece", exc)
        return salvage, 0.0

    @property
    def outage(self) -> Outage | None:
        """Return what keeps vote batches from committing (logged when it began), if anything."""
        return self._outage

    def _outage_began(self, outage: Outage, exc: Exception) -> None:
        """Log once that vote batches wait for the database (again if the cause changes)."""
        if outage is self._outage:
            log.debug("a write batch failed again (%s)", describe(exc))
            return
        if self._outage is None:
            self._outage_since = time.monotonic()
        self._outage = outage
        log.warning(
            "The database is %s (%s): votes wait in memory and are retried every %.0f s at most",
            outage.value,
            describe(exc),
            RETRY_MAX,
        )

    def _outage_over(self) -> None:
        """Log once that vote batches commit again after an outage."""
        if self._outage is None:
            return
        log.warning(
            "The database takes writes again after %.1f s (it was %s): the waiting votes are "
            "committed",
            time.monotonic() - self._outage_since,
            self._outage.value,
        )
        self._outage = None

    async def dispose(self) -> None:
        """Close every pooled connection and the worker threads."""
        self._closing = True
        await self.engine.dispose()
        if self._autocommit is not None:
            await self._autocommit.dispose()
            self._autocommit = None
        if self._readers is not None:
            readers, self._readers = self._readers, None
            await asyncio.get_running_loop().run_in_executor(None, readers.shutdown)
        if self._executor is not None:
            executor, self._executor = self._executor, None
            if self._sync_engine is not None:
                await asyncio.get_running_loop().run_in_executor(
                    executor, self._sync_engine.dispose
                )
                self._sync_engine = None
            executor.shutdown(wait=True)
        if self._sync_engine is not None:
            self._sync_engine.dispose()
            self._sync_engine = None


def driver_rows(result: CursorResult[Any]) -> Sequence[Any]:
    """Return a result's rows as the driver gave them: no Row objects, no type processing.

    For reads of thousands of rows whose columns need no conversion (integers, floats, text):
    building a Row for each is most of the cost of such a read.
    """
    try:
        return result.cursor.fetchall()  # type: ignore[no-any-return]
    finally:
        result.close()


def _ensure_sqlite_dir(database: str | None) -> None:
    """Create the folder of a SQLite file on first use."""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _report_errors(engine: Engine, database: Database) -> None:
    """Tell the database's `on_error` each error the engine's driver raises."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if database.on_error is not None:
            database.on_error(context.original_exception)


def _tune_sqlite(engine: Engine) -> None:
    """Set WAL, synchronous NORMAL, foreign keys, a busy timeout; check JSON; control BEGIN."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's own transaction handling would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        require_json(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("calledit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: The advisory lock key that stands for "writing" in a PostgreSQL database (any fixed number).
WRITE_LOCK_KEY = 0x43616C6C  # "Call"


def _lock_postgres_writes(engine: Engine) -> None:
    """Start each write transaction by taking the write lock, as BEGIN IMMEDIATE does on SQLite.

    A read-then-write unit of work takes it exclusively, so writers run one at a time (across
    processes too) and never act on a stale read. Vote batches take it shared: they run beside
    each other (row-level upserts settle their conflicts) but never beside a read-back, a
    resolution or a migration. The lock ends with the transaction.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("calledit_write", False)
        if mode:
            lock = "pg_advisory_xact_lock_shared" if mode == "shared" else "pg_advisory_xact_lock"
            # Wait as long as SQLite's busy timeout, then fail with lock_not_available (55P03),
            # which is retried like SQLite's "database is locked".
            conn.exec_driver_sql(
                f"SELECT set_config('lock_timeout', '{BUSY_TIMEOUT_MS}ms', true), "
                f"{lock}({WRITE_LOCK_KEY})"
            )
