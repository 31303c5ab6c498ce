"""Gateway sessions and their WebSocket connections (each with an ordered outgoing queue)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger(__name__)

WRITE_BATCH_BYTES = 256 * 1024
WRITE_BUFFER_HIGH = 4 * 1024 * 1024
REPLAY_BUFFER = 200_000


def _encode_frame(text: str) -> bytes:
    """Encode one unmasked, final WebSocket text frame."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes((0x81, n)) + data
    if n < 65536:
        return bytes((0x81, 126)) + n.to_bytes(2, "big") + data
    return bytes((0x81, 127)) + n.to_bytes(8, "big") + data


class Connection:
    """One WebSocket connection with an ordered, non-blocking outgoing queue."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session: Session | None = None
        self.queue: deque[str] = deque()
        self.wake = asyncio.Event()
        self.closed = False
        self.sent = 0
        self.writer = asyncio.create_task(self._write_loop())

    def send(self, frame: str) -> None:
        """Queue a text frame for sending."""
        if not self.closed:
            self.queue.append(frame)
            self.wake.set()

    async def _write_loop(self) -> None:
        ws, queue = self.ws, self.queue
        writer = getattr(ws, "_writer", None)
        transport = getattr(writer, "transport", None)
        compressed = bool(getattr(ws, "compress", 0))
        try:
            while not self.closed:
                if not queue:
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                if transport is None or compressed or transport.is_closing():
                    while queue and not self.closed:
                        await ws.send_str(queue.popleft())
                        self.sent += 1
                    continue
                # Fast path: encode many unmasked text frames and write them at once.
                chunk: list[bytes] = []
                size = 0
                while queue and size < WRITE_BATCH_BYTES:
                    frame = _encode_frame(queue.popleft())
                    chunk.append(frame)
                    size += len(frame)
                transport.write(b"".join(chunk))
                self.sent += len(chunk)
                while transport.get_write_buffer_size() > WRITE_BUFFER_HIGH and not self.closed:
                    if transport.is_closing():
                        raise ConnectionResetError("transport closing")
                    await asyncio.sleep(0.001)
                await asyncio.sleep(0)
        except (ConnectionError, RuntimeError) as exc:
            log.debug("gateway writer stopped: %s", exc)
            self.closed = True

    async def flush(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until queued frames have been written."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.queue and not self.closed and loop.time() < end:  # noqa: ASYNC110
            await asyncio.sleep(0.001)

    async def close(self, code: int, *, flush: bool = False) -> None:
        """Close the socket with a close code."""
        if flush:
            await self.flush()
        self.closed = True
        self.wake.set()
        self.queue.clear()
        self.writer.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close(code=code)


@dataclass
class Session:
    """A gateway session: survives disconnects until invalidated."""

    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    conn: Connection | None = None
    invalid: bool = False
    identified_count: int = 1
    resumed_count: int = 0
    #: The sequence number the client's last heartbeat carried: the last event it says it got.
    acked: int | None = None

    def sees_guild(self, guild_id: int | None) -> bool:
        """Return whether this session's shard receives events for the guild."""
        shard_id, count = self.shard
        if count <= 1:
            return True
        if guild_id is None:
            return shard_id == 0  # DMs go to shard 0
        return (guild_id >> 22) % count == shard_id
