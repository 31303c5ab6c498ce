"""Apply Alembic migrations from code (at start and by `calledit db upgrade`)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from db.session import Database

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Return an Alembic config that points at our migrations, no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


async def upgrade(database: Database, revision: str = "head") -> str | None:
    """Upgrade the schema to a revision and return the revision now applied."""
    engine = database.engine.execution_options(calledit_write=True)
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
        current = await conn.run_sync(_current)
    log.info("database schema at revision %s", current)
    return current


async def current_revision(database: Database) -> str | None:
    """Return the revision the database is at, None when it was never migrated."""
    async with database.engine.connect() as conn:
        return await conn.run_sync(_current)


def head_revision() -> str | None:
    """Return the newest revision the code ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
