"""The cards as PNG images for the pages: rendered off the event loop, kept while unchanged."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable

#: How many rendered cards are kept (a card is 30 to 120 KB).
KEPT = 128


class CardShelf:
    """Render cards in a worker thread, keeping each until what it was drawn from changes.

    A card is kept under its address with the data it was drawn from (the board the board
    service cached, the names, the record): the same data gives the same bytes without drawing.
    """

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._cards: OrderedDict[Hashable, tuple[object, bytes]] = OrderedDict()
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(self, key: Hashable, source: object, draw: Callable[[], bytes]) -> bytes:
        """Return the card at `key` drawn from `source`, drawing it (off the loop) if new."""
        hit = self._fresh(key, source)
        if hit is not None:
            return hit
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # many clients asking for one new card draw it once
            hit = self._fresh(key, source)
            if hit is not None:
                return hit
            data = await asyncio.to_thread(draw)
            self._cards[key] = (source, data)
            self._cards.move_to_end(key)
            while len(self._cards) > self._kept:
                old, _ = self._cards.popitem(last=False)
                self._locks.pop(old, None)
            return data

    def _fresh(self, key: Hashable, source: object) -> bytes | None:
        kept = self._cards.get(key)
        if kept is None or not (kept[0] is source or kept[0] == source):
            return None
        self._cards.move_to_end(key)
        return kept[1]
