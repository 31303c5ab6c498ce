"""Apply Alembic migrations from code (at start and by `calledit db upgrade`).

Alembic is imported only when there is work for it: a start on a database already at this
code's revision (nearly every start) reads the stored revision in one statement and leaves
Alembic, some 11 MB of a process that runs for months, unloaded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from db.session import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest revision this code ships (tests hold it equal to Alembic's head).
HEAD = "0011"


def alembic_config() -> Config:
    """Return an Alembic config that points at our migrations, no ini file needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


async def upgrade(database: Database, revision: str = "head") -> str | None:
    """Upgrade the schema to a revision and return the revision now applied."""
    if revision == "head" and await stored_revision(database) == HEAD:
        log.info("database schema at revision %s", HEAD)
        return HEAD
    engine = database.engine.execution_options(calledit_write=True)
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
        current = await conn.run_sync(_current)
    log.info("database schema at revision %s", current)
    return current


async def stored_revision(database: Database) -> str | None:
    """Read the revision stored in the database in one statement (None: none, or unsure)."""
    try:
        async with database.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:  # no such table yet: a new database
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


async def current_revision(database: Database) -> str | None:
    """Return the revision the database is at, None when it was never migrated."""
    async with database.engine.connect() as conn:
        return await conn.run_sync(_current)


def head_revision() -> str | None:
    """Return the newest revision the code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
