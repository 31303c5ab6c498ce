"""Which database errors are of the database as a whole (wait and retry), not of one row.

The one place that tells them apart. A busy or locked database, a lost or refused connection,
a full disk, a read-only file, an I/O error, too many connections or a server shutting down all
pass without anything changing in the data: the same write succeeds once they are over. A
constraint, a trigger or a bad value fails again each time: that is the data's own fault.
"""

from __future__ import annotations

import sqlite3
from enum import Enum

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class Outage(Enum):
    """What keeps the whole database from taking a write for now; the value is fit to show."""

    BUSY = "busy"
    FULL = "full"
    READ_ONLY = "read-only"
    FAILING = "failing (I/O error)"
    UNREACHABLE = "unreachable"


#: SQLite's primary result codes (the low byte of an extended code) that are database-wide.
_SQLITE_CODES = {
    5: Outage.BUSY,  # SQLITE_BUSY
    6: Outage.BUSY,  # SQLITE_LOCKED
    7: Outage.FAILING,  # SQLITE_NOMEM
    8: Outage.READ_ONLY,  # SQLITE_READONLY
    10: Outage.FAILING,  # SQLITE_IOERR
    13: Outage.FULL,  # SQLITE_FULL
    14: Outage.UNREACHABLE,  # SQLITE_CANTOPEN
    15: Outage.BUSY,  # SQLITE_PROTOCOL (a WAL lock race)
}
#: The same by message, for a driver that gives no code.
_SQLITE_TEXTS = (
    ("locked", Outage.BUSY),
    ("busy", Outage.BUSY),
    ("disk is full", Outage.FULL),
    ("readonly database", Outage.READ_ONLY),
    ("disk i/o error", Outage.FAILING),
    ("unable to open database", Outage.UNREACHABLE),
)
#: PostgreSQL SQLSTATEs (or their classes) that are database-wide.
_SQLSTATES = (
    ("08", Outage.UNREACHABLE),  # connection exceptions
    ("40001", Outage.BUSY),  # serialization failure
    ("40P01", Outage.BUSY),  # deadlock
    ("55P03", Outage.BUSY),  # lock not available (our lock_timeout)
    ("53100", Outage.FULL),  # disk full
    ("53200", Outage.FAILING),  # out of memory
    ("53300", Outage.UNREACHABLE),  # too many connections
    ("25006", Outage.READ_ONLY),  # read-only SQL transaction (a standby, or set so)
    ("57P01", Outage.UNREACHABLE),  # admin shutdown
    ("57P02", Outage.UNREACHABLE),  # crash shutdown
    ("57P03", Outage.UNREACHABLE),  # cannot connect now (starting up)
    ("58030", Outage.FAILING),  # I/O error
)
_ASYNCPG_LOST = ("ConnectionDoesNotExistError", "InterfaceError", "InternalClientError")
#: Modules whose OSError or TimeoutError means the database's connection, not Discord's.
_DATABASE_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3", "db.")


def outage_of(exc: BaseException) -> Outage | None:
    """Return what database-wide fault an error (or any error it wraps) shows, None if none.

    None means the error is the data's own (constraints, triggers, bad values) or not a
    database error at all.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _outage_here(current)
        if found is not None:
            return found
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failed write may succeed when simply tried again (see outage_of)."""
    return outage_of(exc) is not None


def _outage_here(error: BaseException) -> Outage | None:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Outage.UNREACHABLE
    if isinstance(error, PoolTimeout):  # no free pooled connection in time
        return Outage.BUSY
    if isinstance(error, OSError | TimeoutError):
        return Outage.UNREACHABLE if _raised_by_database(error) else None
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return _SQLITE_CODES.get(code & 0xFF)
        text = str(error).lower()
        return next((kind for part, kind in _SQLITE_TEXTS if part in text), None)
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(state, str):
        found = next((kind for prefix, kind in _SQLSTATES if state.startswith(prefix)), None)
        if found is not None:
            return found
    if type(error).__module__.startswith("asyncpg") and type(error).__name__ in _ASYNCPG_LOST:
        return Outage.UNREACHABLE
    return None


def _raised_by_database(error: BaseException) -> bool:
    """Tell whether a connection error was raised on the database's path (not Discord's).

    An error never raised (no traceback) is taken as the database's: callers pass errors of
    database work.
    """
    frame = error.__traceback__
    if frame is None:
        return True
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith(_DATABASE_MODULES):
            return True
        frame = frame.tb_next
    return False


def describe(exc: BaseException) -> str:
    """Return the driver's own one-line message of a database error (no SQL, no parameters)."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()
    return text[0] if text else type(inner).__name__
