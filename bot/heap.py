"""The long-lived heap, kept out of the cyclic garbage collector's way.

Once a session is ready, most of what the process holds (discord.py's cache of every server,
SQLAlchemy's mappers and compiled statements, the modules) stays until the next session, yet
Python's cyclic collector walks all of it on every full collection, and a flood of votes makes
those often: the shipped process spent about 2.8 µs of its 21 µs per vote there (0.89x a plain
discord.py client's rate, 1.02x without; bench/bench_votes.py). ``Heap.settle`` collects once
and moves what survives to the permanent generation (``gc.freeze``); what is made afterwards is
collected as before. Frozen objects are still freed as soon as nothing refers to them; only
cycles among them wait for the next settle: at every new session (the old session's guild
objects go then) and hourly from the scheduler (a server the bot left, say).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Seconds between settles while the session lasts.
EVERY = 3600.0


class Heap:
    """Collect, then freeze what survives: at each ready, and hourly."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._last: float | None = None

    def settle(self) -> None:
        """Unfreeze, collect every generation and freeze what is left."""
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self._last = self._monotonic()
        log.debug(
            "heap settled in %.0f ms: %d unreachable, %d objects frozen",
            (time.perf_counter() - started) * 1000,
            found,
            gc.get_freeze_count(),
        )

    async def settle_due(self) -> None:
        """Settle if the last settle is EVERY seconds old (a scheduled job)."""
        if self._last is not None and self._monotonic() - self._last >= EVERY:
            self.settle()
