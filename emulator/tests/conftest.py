"""Fixtures for the emulator's own tests: a guild and a plain discord.py client connected to it.

The ``emulator`` fixture itself comes from the package's pytest plugin (entry point).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord_emulator import Emulator, Guild
from discord_emulator.connect import connect_client
from discord_emulator.spec import load_spec
from plain_bot import Bot, build_client


@pytest.fixture(scope="session", autouse=True)
def _spec_notice() -> None:
    """Say loudly when the OpenAPI spec is absent and spec checks are skipped."""
    if load_spec() is None:
        import warnings

        warnings.warn("Discord API spec absent: spec validation tests are skipped", stacklevel=1)


@pytest.fixture
def guild(emulator: Emulator) -> Guild:
    """Create the test guild."""
    return emulator.create_guild("Test Guild")


@pytest_asyncio.fixture
async def bot(emulator: Emulator, guild: Guild) -> AsyncIterator[Bot]:
    """Connect a plain discord.py client and sync its guild commands."""
    b = build_client(emulator, guild)
    async with connect_client(emulator, b.client):
        await b.tree.sync(guild=discord.Object(guild.id))
        yield b
