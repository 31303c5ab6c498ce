"""The command line on PostgreSQL (the embedded server), and `db copy` between the backends."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import calledit
from tests.pg import PgServer

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """Return the URL of a fresh, empty PostgreSQL database."""
    url = asyncio.run(pg_server.create(migrated=False))
    yield url
    asyncio.run(pg_server.drop(url))


def test_every_data_command_works_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    env = {"DATABASE_URL": pg_url}
    upgraded = calledit(tmp_path, "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("Database is at revision ")
    seeded = calledit(tmp_path, "seed", "--guild", "123", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "10 added, 0 updated, 0 unchanged" in seeded.stdout
    again = calledit(tmp_path, "seed", "--guild", "123", env=env)
    assert "0 added, 0 updated, 10 unchanged" in again.stdout
    listing = calledit(tmp_path, "predictions", "list", "--guild", "123", env=env)
    assert len(listing.stdout.splitlines()) == 10
    board = calledit(tmp_path, "leaderboard", "--guild", "123", "--all-time", "--json", env=env)
    assert board.returncode == 0, board.stderr
    assert json.loads(board.stdout)["period"] == "all-time"
    export = calledit(tmp_path, "export", "--guild", "123", "--out", "out", env=env)
    assert export.returncode == 0, export.stderr
    assert len(list((tmp_path / "out").iterdir())) == 5
    check = calledit(tmp_path, "check", env=env)
    assert check.returncode == 0, check.stderr
    assert "Database reachable (postgresql+asyncpg://postgres@/" in check.stdout
    assert not (tmp_path / "data").exists()  # nothing went to a SQLite file

    # From PostgreSQL into a new SQLite file, with progress; a second copy is refused.
    target = f"sqlite+aiosqlite:///{tmp_path / 'copy.db'}"
    copied = calledit(tmp_path, "db", "copy", "--to", target, "--batch", "4", env=env)
    assert copied.returncode == 0, copied.stderr
    assert "  predictions: 4/10 rows" in copied.stderr  # progress; the result on stdout
    assert "row counts match and 1 guild(s)' all-time boards are identical." in copied.stdout
    listed = calledit(
        tmp_path, "predictions", "list", "--guild", "123", env={"DATABASE_URL": target}
    )
    assert listed.stdout == listing.stdout
    refused = calledit(tmp_path, "db", "copy", "--to", target, env=env)
    assert refused.returncode == 2
    progress, line = refused.stderr.strip().splitlines()  # "Copying A to B.", then why not
    assert progress.startswith("Copying postgresql+asyncpg://")
    assert line.startswith("calledit: the target database already holds data (")
    assert line.endswith("; copy only into an empty database")


def test_demo_plays_its_season_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    result = calledit(tmp_path, "demo", "--members", "6", "--database-url", pg_url)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "🏆 Leaderboard · December 2025" in result.stdout
    assert "0 violations, 0 unknown routes." in result.stdout
    assert not (tmp_path / "data").exists()


def test_postgresql_without_asyncpg_says_which_extra_to_install(tmp_path: Path) -> None:
    """An install without the postgres extra gets one line naming it, exit 2."""
    no_asyncpg = "import sys; sys.modules['asyncpg'] = None; from bot.cli import main; "
    result = subprocess.run(
        [sys.executable, "-c", no_asyncpg + "sys.exit(main(['check']))"],
        cwd=tmp_path,
        env={**os.environ, "DATABASE_URL": "postgresql://u:secret@localhost/calledit"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "calledit: Bad setting DATABASE_URL: PostgreSQL needs asyncpg: "
        "pip install 'calledit[postgres]'"
    )
