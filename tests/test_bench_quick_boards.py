"""The boards benchmarks still run: each with --quick, on SQLite and on PostgreSQL (not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import PgServer

REPO = Path(__file__).resolve().parents[1]
#: Each bench and the line of its table that says it measured what it is for.
BENCHES = {
    "bench_board.py": "first monthly board after a resolution: service / raw",
    "bench_commands.py": "/stats, first after a resolution",
}
TIMEOUT = 180


def run_quick(bench: str, tmp_path: Path, *flags: str) -> str:
    """Run a bench with --quick from the repository root; return its output."""
    out = tmp_path / f"{bench}.json"
    done = subprocess.run(
        [sys.executable, f"bench/{bench}", "--quick", "--out", str(out), *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert out.exists()
    return done.stdout


@pytest.mark.parametrize("bench", sorted(BENCHES))
def test_quick_on_sqlite(bench: str, tmp_path: Path) -> None:
    output = run_quick(bench, tmp_path)
    assert BENCHES[bench] in output
    assert "on sqlite" in output


@pytest.mark.postgresql
@pytest.mark.parametrize("bench", sorted(BENCHES))
def test_quick_on_postgresql(bench: str, tmp_path: Path, pg_server: PgServer) -> None:
    # pg_server only decides, as for every PostgreSQL test, whether the embedded server can
    # start here (else the test is skipped, or fails under CI); the bench starts its own.
    output = run_quick(bench, tmp_path, "--postgres")
    assert BENCHES[bench] in output
    assert "on postgresql" in output
