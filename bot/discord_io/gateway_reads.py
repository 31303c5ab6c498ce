"""Read the gateway socket in small slices, so a flood of events can't hold the loop for long.

asyncio reads up to 256 KB per socket read, and discord.py parses every frame of a read before
the event loop runs anything else: during a reaction flood that is some 400 frames per turn of
the loop, and a command's database read, which needs a turn per step, took 2-3 s. Reading
16 KB at a time (some 20 frames) lets other work in between, at about 2% more reads.

Relies on aiohttp's ``ClientWebSocketResponse._conn.transport`` and asyncio's
``_SelectorSocketTransport.max_size`` (the size it passes to ``recv``); pinned by
tests/bot/test_reaction_intake.py. If either is missing, reads stay as they are.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

READ_SIZE = 16 * 1024


def slice_reads(gateway: Any) -> bool:
    """Make a discord.py gateway websocket read at most READ_SIZE bytes at a time."""
    socket = getattr(gateway, "socket", None)  # discord.py's aiohttp websocket
    transport = getattr(getattr(socket, "_conn", None), "transport", None)
    if transport is None or not isinstance(getattr(transport, "max_size", None), int):
        log.debug("gateway reads not sliced: no transport with a read size")
        return False
    transport.max_size = READ_SIZE
    return True
