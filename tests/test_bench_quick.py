"""The benchmarks still run: each one's --quick mode, as a subprocess (nothing is timed here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_bench(script: str, *args: str, timeout: float = 240) -> str:
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


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_bench_votes_quick(backend: str, tmp_path: Path) -> None:
    """Raw reader, bare client, bot and probe phases all run and print the table."""
    args = ["--quick", "--out", str(tmp_path / "votes.json")]
    out = run_bench("bench_votes.py", *args, *(["--postgres"] if backend == "postgresql" else []))
    assert f"floods of 1,200 reaction adds, 1 round(s), {backend}" in out
    for line in ("raw reader", "bare discord.py client", "bot, committed votes", "acknowledged"):
        assert line in out
    assert (tmp_path / "votes.json").exists()


def test_bench_read_back_quick(tmp_path: Path) -> None:
    """A small read-back under the rate limits runs and leaves the database equal to reactions."""
    out = run_bench("bench_read_back.py", "--quick", "--out", str(tmp_path / "rb.json"))
    assert "database equals the reactions  True" in out


def test_bench_cards_quick() -> None:
    """Every card renders."""
    out = run_bench("bench_cards.py", "--quick")
    for card in ("leaderboard", "member", "scorecard"):
        assert f"{card} card" in out
