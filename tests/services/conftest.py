"""Every service test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.pg import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test once per backend."""
    return str(request.param)
