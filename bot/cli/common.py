"""What the commands share: opening the database, one-line failures, progress on stderr."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from bot.domain.clock import SystemClock
from bot.domain.errors import CalledItError, NotFound

if TYPE_CHECKING:
    from bot.services import Services
    from db.session import Database

log = logging.getLogger(__name__)

UPGRADE_HINT = "run `calledit db upgrade`"


class Failed(CalledItError):
    """Raise when a command can't do its work; the message is one line naming what to fix."""


def safe_url(url: str) -> str:
    """Return a database URL with its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """Return a SQLite URL's file, None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).expanduser()


def where(url: str) -> str:
    """Name a database for a person: the SQLite file, or PostgreSQL's host and port."""
    path = sqlite_file(url)
    if path is not None:
        return f"the SQLite file {path}"
    parsed = make_url(url)
    host = parsed.host or "the local socket"
    return f"PostgreSQL at {host}:{parsed.port or 5432}" if parsed.host else f"PostgreSQL ({host})"


def progress(text: str) -> None:
    """Write a progress line to stderr (stdout stays the command's result)."""
    print(text, file=sys.stderr, flush=True)


def open_database(url: str, *, create: bool, setting: str = "DATABASE_URL") -> Database:
    """Return a Database; refuse a missing SQLite file unless asked to create it."""
    from db.session import Database

    path = sqlite_file(url)
    if path is not None and not create and not path.exists():
        raise NotFound(f"{setting}: there is no database at {path}: {UPGRADE_HINT} first.")
    try:
        return Database(url)
    except OSError as exc:
        folder = path.parent if path is not None else "?"
        raise Failed(
            f"{setting}: can't create the folder {folder} for the SQLite file "
            f"({exc.strerror or exc}); fix the path or its permissions."
        ) from None


def database_problem(exc: BaseException, url: str, setting: str = "DATABASE_URL") -> str | None:
    """Describe a failure to reach or open a database in one line, None if it is not one."""
    from sqlalchemy.exc import DBAPIError

    root = _root(exc)
    if isinstance(root, OSError) and root.filename is not None:  # a file, not the database
        return None
    is_driver = type(root).__module__.split(".")[0] in ("asyncpg", "sqlite3")
    if not isinstance(exc, DBAPIError | OSError) and not is_driver:
        return None
    reason = (
        root.strerror if isinstance(root, OSError) and root.strerror else str(root)
    ).splitlines()[0] or type(root).__name__
    return f"{setting}: can't use {where(url)} ({reason})"


def transient(exc: BaseException) -> bool:
    """Tell whether a database failure may pass by itself (a server not up yet)."""
    root = _root(exc)
    return isinstance(root, OSError) or type(root).__name__ in (
        "CannotConnectNowError",
        "TooManyConnectionsError",
    )


def _root(exc: BaseException) -> BaseException:
    """Return the innermost cause of a wrapped exception."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or getattr(exc, "orig", None) or exc.__context__
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


async def open_services(url: str, *, create: bool) -> Services:
    """Open the database, apply migrations and wire the services."""
    from bot.services import Services
    from db.migrate import upgrade

    database = open_database(url, create=create)
    try:
        await upgrade(database)
        services = Services.build(database, SystemClock())
        await services.boards.ensure_ledger()
    except BaseException:
        await database.dispose()
        raise
    return services


async def known_guild(services: Services, guild_id: int) -> None:
    """Refuse a guild the database holds nothing for, naming the ones it knows."""
    known = await services.export.guild_ids()
    if guild_id in known:
        return
    shown = ", ".join(str(g) for g in known[:10]) + (" …" if len(known) > 10 else "")
    listed = f"it knows {shown}" if known else "it holds no guild yet (`calledit seed`)"
    raise NotFound(f"--guild: no guild {guild_id} in the database; {listed}.")
