"""The benchmarks still run: each one's --quick mode, as a subprocess (nothing is timed here).

The PostgreSQL runs take ``pg_server`` only to decide, as every PostgreSQL test does, whether
the embedded server can start here (skipped if not, failed under CI=true); each bench starts
its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Each bench with a --postgres and lines of its table that say it measured what it is for.
BENCHES = {
    "bench_votes.py": (
        "votes, unbounded sender: floods of 4,800 reaction events (votes, changes, retractions), "
        "1 round(s), calledit run as a subprocess, {backend}",
        "votes, bounded sender:",
        "raw reader",
        "plain discord.py client",
        "bot, committed votes",
        "CPU per event, bot / plain client",
        "acknowledged",
    ),
    "bench_board.py": (
        "first monthly board after a resolution: service / raw",
        "on {backend}",
    ),
    "bench_commands.py": ("/stats, first after a resolution", "on {backend}"),
    "bench_guilds.py": (
        "50 guilds (25 channels, 15 roles each), 50 open polls in 5, {backend}, 1 round(s); "
        "calledit run as a subprocess, reference: a plain discord.py client",
        "session READY -> ready, s (every server seeded)",
        "the stack floor's RSS at ready, MB",
        "soak: 20,000 reaction events (20 passes of votes and retractions), RSS of the bot's "
        "process ({backend})",
        "after 20,000 events",
        "RSS 2 s after the soak",
    ),
    "bench_web.py": (
        "public pages, 50 concurrent clients, 20,000 votes, {backend}",
        "static file (reference), 200 requests",
        "month board page, 200 requests",
        "prediction page, 200 requests",
    ),
    "bench_sealed.py": (
        "sealed poll: 150 members' clicks beside the same reactions, calledit run as a "
        "subprocess, {backend}",
        "clicks within 2 s: answered within 3 s",
        "150/150 (0 failed)",
        "stored once, clicks all at once (rows / members)",
        "150 / 150 (reactions)",
    ),
    "bench_first_start.py": (
        "first start of calledit run in 50 new servers, {backend}",
        "process start -> every server seeded, s",
        "exit status on SIGTERM (first / restart)  0 / 0",
    ),
    "bench_read_back.py": (
        "read-back after a restart: 4 polls x 150 voters, 1 channel(s), calledit run as a "
        "subprocess, {backend}",
        "process start -> database equals the reactions",
        "RESUMEs / gateway frames to the bot",
        "exit status on SIGTERM (set-up / timed)               0 / 0",
        "database equals the reactions (poll, member, choice)  True",
    ),
}


def run_bench(script: str, *args: str, timeout: float = 300) -> str:
    """Run bench/<script> with `args` from the repository root; return what it printed."""
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def backend_ready(request: pytest.FixtureRequest, backend: str) -> None:
    """Skip (or fail under CI) a PostgreSQL run where the embedded server can't start."""
    if backend == "postgresql":
        request.getfixturevalue("pg_server")


#: Benches whose --postgres only hands the shipped process another DATABASE_URL through the
#: shared harness (bench/harness.py Databases, proven on PostgreSQL by bench_votes here): run on
#: SQLite only in CI, to keep the whole suite well inside CI's 15 minutes (about 70 s of it).
SQLITE_ONLY = {"bench_first_start.py", "bench_guilds.py", "bench_read_back.py", "bench_sealed.py"}
RUNS = [
    pytest.param(
        script,
        backend,
        id=f"{backend}-{script}",
        marks=[pytest.mark.postgresql] if backend == "postgresql" else [],
    )
    for script in sorted(BENCHES)
    for backend in ("sqlite", "postgresql")
    if backend == "sqlite" or script not in SQLITE_ONLY
]


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of this run (parametrized with the script)."""
    return str(request.param)


@pytest.mark.parametrize(("script", "backend"), RUNS, indirect=["backend"])
def test_bench_quick(script: str, backend: str, backend_ready: None, tmp_path: Path) -> None:
    """The bench runs, prints its table and writes its JSON."""
    out = tmp_path / "result.json"
    flags = ["--postgres"] if backend == "postgresql" else []
    printed = run_bench(script, "--quick", "--out", str(out), *flags)
    for line in BENCHES[script]:
        assert line.format(backend=backend) in printed
    assert out.exists()


def test_bench_cards_quick() -> None:
    """Every card renders (no database: one run)."""
    printed = run_bench("bench_cards.py", "--quick")
    for card in ("leaderboard", "member", "scorecard"):
        assert f"{card} card" in printed


def test_bench_receipts_quick(tmp_path: Path) -> None:
    """Receipts are verified and a root computed (no database: one run)."""
    out = tmp_path / "result.json"
    printed = run_bench("bench_receipts.py", "--quick", "--out", str(out))
    for line in ("receipts: 5,000 ballots", "verify one receipt (median)", "Merkle root over"):
        assert line in printed
    assert out.exists()
