"""A rate limiter for the bot's bulk reads under Discord's global rate limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

#: Requests a second the bulk reads may start: under Discord's global 50 a second, leaving
#: room for the posts, edits and reaction removals made at the same time.
BULK_RATE = 40.0


class RateLimiter:
    """Start at most `rate` requests a second, evenly spaced, however many tasks ask.

    discord.py waits on each route's bucket from the headers, but learns of the global limit
    only from a 429: a read-back of many channels side by side would otherwise send a burst
    of 429s (which Discord counts towards banning a bot) at every start.
    """

    def __init__(
        self, rate: float = BULK_RATE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0

    async def wait(self) -> None:
        """Return when the next request may start (its slot is taken at once)."""
        now = self._clock()
        at = max(now, self._next)
        self._next = at + self._interval
        if at > now:
            await asyncio.sleep(at - now)
