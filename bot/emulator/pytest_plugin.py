"""Pytest plugin: an ``emulator`` fixture and helpers to connect a discord.py client to it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from .connect import DEFAULT_TOKEN, connect_client, pointed_at
from .server import Emulator

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_TOKEN", "connect_client", "emulator", "pointed_at"]


@pytest_asyncio.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """Start an emulator on 127.0.0.1 (free port) with fast rate limits; stop it after.

    Options come from ``@pytest.mark.emulator(**kwargs)`` (Emulator keyword arguments).
    """
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


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``emulator`` marker."""
    config.addinivalue_line("markers", "emulator(**kwargs): keyword arguments for the Emulator")
