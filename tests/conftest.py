"""Shared fixtures: a frozen clock, and services over a real, migrated SQLite file or PostgreSQL."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.clock import FrozenClock
from bot.services import Services
from db.migrate import upgrade
from db.session import Database
from tests.pg import PgServer, start_server, unavailable

# The `emulator` fixture comes from discord-emulator's pytest plugin (its pytest11 entry point).

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def clock() -> FrozenClock:
    """Return a clock frozen at 2025-03-01 12:00 UTC."""
    return FrozenClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start one throwaway PostgreSQL server for the session (only if a test asks for it)."""
    # Not under pytest's tmp folder: that one is private to root, and as root the server runs
    # under its own system user.
    base = Path(tempfile.mkdtemp(prefix="calledit-pg-"))
    try:
        server = start_server(base)
    except Exception as exc:
        shutil.rmtree(base, ignore_errors=True)
        unavailable(exc)
    yield server
    server.handle.cleanup()  # type: ignore[attr-defined]
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Return the database backend of this test: sqlite unless parametrized (tests.pg.BACKENDS)."""
    return str(getattr(request, "param", "sqlite"))


async def _fresh_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, *, migrated: bool
) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'calledit.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = await server.create(migrated=migrated)
    yield url
    await server.drop(url)


@pytest.fixture
async def db_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> AsyncIterator[str]:
    """Return the URL of a fresh database of this test's backend, migrated to head."""
    async for url in _fresh_url(request, backend, tmp_path, migrated=True):
        yield url


@pytest.fixture
async def empty_db_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> AsyncIterator[str]:
    """Return the URL of a fresh, empty database of this test's backend (never migrated)."""
    async for url in _fresh_url(request, backend, tmp_path, migrated=False):
        yield url


@pytest.fixture
async def new_database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Return a maker of fresh databases of this test's backend (migrated unless told not to)."""
    made: list[str] = []
    server: PgServer | None = (
        request.getfixturevalue("pg_server") if backend == "postgresql" else None
    )

    async def new(*, migrated: bool = True) -> str:
        if server is None:
            return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'calledit.db'}"
        url = await server.create(migrated=migrated)
        made.append(url)
        return url

    yield new
    for url in made:
        assert server is not None
        await server.drop(url)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """Return a real database (a SQLite file or PostgreSQL) migrated to head with Alembic."""
    db = Database(db_url)
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture
async def services(database: Database, clock: FrozenClock) -> Services:
    """Return every service over the test database and the frozen clock."""
    return Services.build(database, clock)
