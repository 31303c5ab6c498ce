"""Read the gateway socket in small slices, and pause it while too many votes wait.

Slices: a flood of events mustn't hold the event loop for long.

asyncio reads up to 256 KB per socket read, and discord.py parses every frame of a read before
the event loop runs anything else: during a reaction flood that is some 400 frames per turn of
the loop, and a command's database read, which needs a turn per step, took 2-3 s. Reading
16 KB at a time (some 20 frames) lets other work in between, at about 2% more reads.

Pause: when the vote writer's backlog is too long, reading stops until it has halved, so a
flood the database can't keep up with waits in the kernel's and Discord's buffers rather than
in this process's memory (bot/vote_writer.py BACKLOG_LIMIT).

Relies on aiohttp's ``ClientWebSocketResponse._conn.transport`` and asyncio's
``_SelectorSocketTransport.max_size`` (the size it passes to ``recv``); pinned by
tests/bot/test_reaction_intake.py. If either is missing, reads stay as they are.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

READ_SIZE = 16 * 1024


def _transport(gateway: Any) -> Any:
    socket = getattr(gateway, "socket", None)  # discord.py's aiohttp websocket
    return getattr(getattr(socket, "_conn", None), "transport", None)


def slice_reads(gateway: Any) -> bool:
    """Make a discord.py gateway websocket read at most READ_SIZE bytes at a time."""
    transport = _transport(gateway)
    if transport is None or not isinstance(getattr(transport, "max_size", None), int):
        log.debug("gateway reads not sliced: no transport with a read size")
        return False
    transport.max_size = READ_SIZE
    return True


def hold(gateway: Any, paused: bool) -> None:
    """Stop (True) or resume (False) reading a discord.py gateway websocket."""
    transport = _transport(gateway)
    if transport is None or transport.is_closing():
        return
    if paused:
        transport.pause_reading()
    else:
        transport.resume_reading()
