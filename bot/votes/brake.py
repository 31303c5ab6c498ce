"""The gateway brake: read the gateway socket in small slices, pause it while too many votes wait.

Slices: a flood of events mustn't hold the event loop for long.

asyncio reads up to 256 KB per socket read, and discord.py parses every frame of a read before
the event loop runs anything else: during a reaction flood that is some 400 frames per turn of
the loop, and a command's database read, which needs a turn per step, took 2-3 s. Reading
16 KB at a time (some 20 frames) lets other work in between. 64 KB slices saved the shipped
process about 0.9 µs a vote in a reaction flood, but a burst of 5,000 sealed-ballot clicks
(each interaction carries its whole message) then left 2,900 of them unanswered within 3 s on
PostgreSQL, against none with 16 KB (bench/bench_sealed.py).

Pause: when the vote writer's backlog is too long, reading stops until it has halved, so a
flood the database can't keep up with waits in the kernel's and Discord's buffers rather than
in this process's memory (bot/votes/writer.py BACKLOG_LIMIT). ``GatewayBrake`` does both for
every gateway connection of a client; the writer tells it when (its ``backlog`` report).

On the way out: ``acknowledge`` reads on to the gateway's ack of the last event handled, so
every vote it sent before is taken.

Relies on aiohttp's ``ClientWebSocketResponse._conn`` (its ``transport`` and its protocol's
``_reading_paused``) and on asyncio's read sizes: ``_SelectorSocketTransport.max_size`` over
TCP, ``SSLProtocol.max_size`` and its ``_ssl_buffer`` over TLS (Discord's gateway is
``wss://``); pinned by
tests/bot/test_reaction_intake.py. If they are missing, reads stay as they are, with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

READ_SIZE = 16 * 1024
#: On the way out, how long to wait for the gateway to acknowledge the last event handled.
ACK_WAIT = 1.0
#: On a stop signal, how long to read on for the gateway's ack (what it sent before is taken).
DRAIN_WAIT = 3.0


def _connection(gateway: Any) -> Any:
    socket = getattr(gateway, "socket", None)  # discord.py's aiohttp websocket
    return getattr(socket, "_conn", None)


def _reader(transport: Any) -> Any:
    """Return what holds the read size: the TCP transport, or under TLS its SSL protocol."""
    if isinstance(getattr(transport, "max_size", None), int):
        return transport  # asyncio's _SelectorSocketTransport: recv(max_size)
    ssl = getattr(transport, "_ssl_protocol", None)  # asyncio's _SSLProtocolTransport
    if isinstance(getattr(ssl, "max_size", None), int):
        return ssl  # its get_buffer() sizes each recv_into of the socket
    return None


def slice_reads(gateway: Any) -> bool:
    """Make a discord.py gateway websocket read at most READ_SIZE bytes at a time."""
    reader = _reader(getattr(_connection(gateway), "transport", None))
    if reader is None:
        log.warning("gateway reads not sliced: no transport with a read size")
        return False
    reader.max_size = READ_SIZE
    if isinstance(getattr(reader, "_ssl_buffer", None), bytearray):
        # SSLProtocol hands out the buffer it allocated at max_size: a smaller one, then.
        reader._ssl_buffer = bytearray(READ_SIZE)
        reader._ssl_buffer_view = memoryview(reader._ssl_buffer)
    return True


def hold(gateway: Any, paused: bool) -> None:
    """Stop (True) or resume (False) reading a discord.py gateway websocket.

    aiohttp pauses the same transport when its own queue of frames is full; a resume here
    leaves it paused then, and aiohttp resumes it when its queue drains.
    """
    connection = _connection(gateway)
    transport = getattr(connection, "transport", None)
    if transport is None or transport.is_closing():
        return
    if paused:
        transport.pause_reading()
    elif not getattr(getattr(connection, "protocol", None), "_reading_paused", False):
        transport.resume_reading()


class GatewayBrake:
    """Slice the reads of a client's gateway connections and pause them for the vote backlog."""

    def __init__(
        self,
        gateways: Callable[[], Iterable[Any]],
        *,
        draining: Callable[[], bool] = lambda: False,
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self._gateways = gateways
        #: While stopping and reading on to each gateway's ack, the backlog pauses nothing.
        self._draining = draining
        #: Once the bot took its last event, reading resumes only for the close handshake.
        self._stopped = stopped

    def backlog(self, paused: bool) -> None:
        """Follow the vote writer's backlog: stop reading (True) or read again (False)."""
        if paused and self._draining():
            return
        if not paused and self._stopped():
            return
        self.hold(paused)

    def hold(self, paused: bool) -> None:
        """Stop (True) or resume (False) reading every gateway connection."""
        for gateway in self._gateways():
            hold(gateway, paused)

    def connected(self, holding: bool) -> None:
        """Slice the reads of a new or resumed connection; keep it paused while `holding`."""
        for gateway in self._gateways():
            slice_reads(gateway)
            if holding:  # the backlog's brake holds on a new connection too
                hold(gateway, True)


def last_event(gateway: Any) -> int | None:
    """Return the sequence number of the last event a discord.py gateway websocket parsed."""
    sequence = getattr(gateway, "sequence", None)
    return sequence if isinstance(sequence, int) else None


async def acknowledge(gateway: Any, sequence: int, timeout: float = ACK_WAIT) -> bool:  # noqa: ASYNC109
    """Send a heartbeat carrying `sequence` and wait for the gateway's ack; return whether it came.

    Sent on the way out, after the votes are committed: it tells the gateway (or the emulator)
    the last event this process handled, and waiting for the ack (reading on, the events are
    no longer taken) makes sure it got there before the socket closes. Relies on discord.py's
    ``DiscordWebSocket._keep_alive._last_ack``, which its HEARTBEAT_ACK handler updates, and
    on ``KeepAliveHandler.beat``, which stamps a heartbeat's send time.
    """
    keep_alive = getattr(gateway, "_keep_alive", None)
    before = getattr(keep_alive, "_last_ack", None)
    if keep_alive is not None:
        # Stamp the send time as discord.py's own heartbeats do; otherwise the ack's latency is
        # counted from the keep-alive's last beat and logs a false "Can't keep up ... behind".
        keep_alive.beat()
    try:
        await gateway.send_heartbeat({"op": 1, "d": sequence})
    except Exception as exc:  # a socket already gone: nothing to tell
        log.debug("final heartbeat not sent: %s", exc)
        return False
    if not isinstance(before, float):
        return False
    hold(gateway, False)  # read on, to the ack
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while keep_alive._last_ack == before:  # type: ignore[union-attr]
        if loop.time() > deadline or gateway.socket.closed:
            log.info("the gateway did not acknowledge the last event in %.1fs", timeout)
            return False
        await asyncio.sleep(0.005)
    return True
