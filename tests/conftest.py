"""Shared fixtures: a frozen clock and services over a real, migrated SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.clock import FrozenClock
from bot.services import Services
from db.migrate import upgrade
from db.session import Database

pytest_plugins = ["bot.emulator.pytest_plugin"]

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def clock() -> FrozenClock:
    """Return a clock frozen at 2025-03-01 12:00 UTC."""
    return FrozenClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """Return a real SQLite file database migrated to head with Alembic."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'calledit.db'}")
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture
async def services(database: Database, clock: FrozenClock) -> Services:
    """Return every service over the test database and the frozen clock."""
    return Services.build(database, clock)
