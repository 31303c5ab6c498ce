"""How often a post that couldn't be made is tried again."""

from __future__ import annotations

from collections.abc import Callable, Hashable

#: Seconds between tries of a result post or an announcement that couldn't be made.
LATE_POST_RETRY = 300.0


class Pacer:
    """Remember when each thing was last tried, so it is tried again only after an interval."""

    def __init__(self, now: Callable[[], float], interval: float = LATE_POST_RETRY) -> None:
        self._now = now
        self._interval = interval
        self._tried: dict[Hashable, float] = {}

    def tried(self, key: Hashable) -> None:
        """Note that something is being tried now."""
        self._tried[key] = self._now()

    def due(self, key: Hashable) -> bool:
        """Tell whether something may be tried again now."""
        last = self._tried.get(key)
        return last is None or self._now() - last >= self._interval

    def forget(self, key: Hashable) -> None:
        """Drop what is remembered of something done."""
        self._tried.pop(key, None)
