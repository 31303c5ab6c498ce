"""Pytest plugin (loaded through the ``pytest11`` entry point): the ``emulator`` fixture.

Installing discord-emulator is enough: pytest finds the plugin by its entry point, so a test
asks for ``emulator`` and gets a started Emulator. ``@pytest.mark.emulator(**kwargs)`` passes
keyword arguments to the Emulator. The server is imported when the fixture is first used, so
the plugin costs nothing in a test run that never asks for it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .server import Emulator

log = logging.getLogger(__name__)

__all__ = ["emulator", "pytest_configure"]

try:
    import pytest_asyncio
except ModuleNotFoundError:  # the fixture needs pytest-asyncio; the rest of pytest does not
    pytest_asyncio = None


async def _started(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """Start an emulator on 127.0.0.1 (free port) with fast rate limits; stop it after."""
    from .server import Emulator

    marker = request.node.get_closest_marker("emulator")
    kwargs: dict[str, Any] = {"ratelimit_speed": 10.0, "validate_responses": True}
    if marker is not None:
        kwargs.update(marker.kwargs)
    emu = Emulator(**kwargs)
    await emu.start()
    if emu.spec_skipped:
        log.warning("Discord API spec absent: request/response spec validation skipped")
    try:
        yield emu
    finally:
        await emu.stop()


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
        """Start an emulator on 127.0.0.1 (free port) with fast rate limits; stop it after.

        Options come from ``@pytest.mark.emulator(**kwargs)`` (Emulator keyword arguments).
        """
        async for emu in _started(request):
            yield emu

else:

    @pytest.fixture
    def emulator() -> None:
        """Fail: the fixture runs on pytest-asyncio, which is not installed."""
        pytest.fail(
            "the emulator fixture needs pytest-asyncio: pip install 'discord-emulator[pytest]'"
        )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``emulator`` marker."""
    config.addinivalue_line("markers", "emulator(**kwargs): keyword arguments for the Emulator")
