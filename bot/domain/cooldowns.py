"""Per-member cooldowns for heavy read commands, on the injected clock."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.domain.clock import Clock

#: How long a member waits between two uses of the same heavy command in a server.
COOLDOWN = timedelta(seconds=5)
#: Forget uses older than the cooldown once this many are remembered (bounds the memory).
PRUNE_AT = 10_000


class Cooldowns:
    """Allow one use per member, server and command every ``per``."""

    def __init__(self, clock: Clock, per: timedelta = COOLDOWN) -> None:
        self._clock = clock
        self._per = per
        self._last: dict[tuple[int, int, str], datetime] = {}

    def wait(self, guild_id: int, member_id: int, command: str) -> int:
        """Return the whole seconds left to wait, or 0 after recording this use."""
        now = self._clock.now()
        key = (guild_id, member_id, command)
        last = self._last.get(key)
        if last is not None and now - last < self._per:
            return max(1, math.ceil((self._per - (now - last)).total_seconds()))
        if len(self._last) >= PRUNE_AT:
            self._last = {k: t for k, t in self._last.items() if now - t < self._per}
        self._last[key] = now
        return 0
