"""Rendered pages and cards kept in memory, each under the version of what it was drawn from.

A page is served again while its server's version (resolutions, edits, disputes, polls
opened and closed) is unchanged and it is younger than its time to live; votes and names
arriving meanwhile show once it expires, as its Cache-Control already tells every browser.
Whether the server still shows its pages is read at every request, before the shelf.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

#: How many rendered pages and cards are kept (a page is 5 to 30 KB, a card 30 to 120 KB).
KEPT = 1024


@dataclass(frozen=True, slots=True)
class Kept:
    """One rendered page or card."""

    version: Hashable
    until: float
    body: bytes
    content_type: str


class Shelf:
    """Keep rendered responses, making each at most once at a time."""

    def __init__(self, ttl: float, kept: int = KEPT) -> None:
        self._ttl = ttl
        self._kept = kept
        self._items: OrderedDict[Hashable, Kept] = OrderedDict()
        self._making: dict[Hashable, asyncio.Lock] = {}

    async def get(
        self, key: Hashable, version: Hashable, make: Callable[[], Awaitable[tuple[bytes, str]]]
    ) -> Kept:
        """Return what is kept at `key` for `version`, else make it (once for many askers)."""
        hit = self._fresh(key, version)
        if hit is not None:
            return hit
        lock = self._making.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                hit = self._fresh(key, version)
                if hit is not None:
                    return hit
                body, content_type = await make()
                kept = Kept(version, time.monotonic() + self._ttl, body, content_type)
                if self._ttl > 0:
                    self._items[key] = kept
                    self._items.move_to_end(key)
                    while len(self._items) > self._kept:
                        self._items.popitem(last=False)
                return kept
        finally:
            if not lock.locked() and self._making.get(key) is lock:
                del self._making[key]

    def _fresh(self, key: Hashable, version: Hashable) -> Kept | None:
        kept = self._items.get(key)
        if kept is None or kept.version != version or kept.until <= time.monotonic():
            return None
        self._items.move_to_end(key)
        return kept
