"""Sharding rules: shard advice, session start limits, IDENTIFY checks and its rate limit."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

#: Discord's default identify window (max_concurrency identifies per bucket per window).
IDENTIFY_WINDOW = 5.0
#: Discord refuses a session that would hold more guilds than this (close code 4011).
GUILDS_PER_SHARD = 2500
#: Discord recommends about one shard per this many guilds.
GUILDS_PER_RECOMMENDED_SHARD = 1000
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011


def shard_for(guild_id: int, shard_count: int) -> int:
    """Return the shard id that owns a guild: ``(guild_id >> 22) % shard_count``."""
    return (guild_id >> 22) % max(shard_count, 1)


def parse_shard(value: Any) -> tuple[int, int] | None:
    """Return ``(shard_id, shard_count)`` from an IDENTIFY ``shard`` field, None if invalid."""
    if value is None:
        return (0, 1)
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    sid, count = value
    if not isinstance(sid, int) or not isinstance(count, int) or isinstance(sid, bool):
        return None
    if count < 1 or not 0 <= sid < count:
        return None
    return (sid, count)


@dataclass
class ShardPolicy:
    """Sharding settings of the emulated application and its identify history."""

    #: Shards ``GET /gateway/bot`` recommends (None: one per 1,000 guilds, at least one).
    recommended: int | None = None
    max_concurrency: int = 1
    #: Seconds in which each bucket (``shard_id % max_concurrency``) may identify once; 0: off.
    identify_window: float = IDENTIFY_WINDOW
    guilds_per_shard: int = GUILDS_PER_SHARD
    session_start_total: int = 1000
    #: Monotonic times of accepted identifies, per bucket.
    identified_at: dict[int, list[float]] = field(default_factory=dict)
    #: Next free identify slot per bucket, as reserved by well-behaved clients.
    reserved_until: dict[int, float] = field(default_factory=dict)
    started: int = 0

    def recommended_shards(self, guild_count: int) -> int:
        """Return the shard count Discord would recommend."""
        if self.recommended is not None:
            return self.recommended
        return max(1, math.ceil(guild_count / GUILDS_PER_RECOMMENDED_SHARD))

    def bucket(self, shard_id: int) -> int:
        """Return the identify rate limit bucket of a shard."""
        return shard_id % max(self.max_concurrency, 1)

    def session_start_limit(self) -> dict[str, int]:
        """Return ``session_start_limit`` as ``GET /gateway/bot`` shows it."""
        return {
            "total": self.session_start_total,
            "remaining": max(self.session_start_total - self.started, 0),
            "reset_after": 86_400_000,
            "max_concurrency": self.max_concurrency,
        }

    def too_soon(self, shard_id: int, now: float | None = None) -> float:
        """Return how many seconds too early an identify for the shard is now (0 when allowed)."""
        if self.identify_window <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        times = self.identified_at.get(self.bucket(shard_id))
        if not times:
            return 0.0
        return max(0.0, times[-1] + self.identify_window - now)

    def record(self, shard_id: int, now: float | None = None) -> None:
        """Record an accepted identify."""
        now = time.monotonic() if now is None else now
        times = self.identified_at.setdefault(self.bucket(shard_id), [])
        times.append(now)
        del times[:-8]
        self.started += 1

    def reserve(self, shard_id: int) -> float:
        """Reserve the next free identify slot for a shard; return the seconds to wait for it."""
        if self.identify_window <= 0:
            return 0.0
        now = time.monotonic()
        bucket = self.bucket(shard_id)
        # A little margin so the IDENTIFY, sent just after the wait, never arrives early.
        window = self.identify_window * 1.05 + 0.01
        times = self.identified_at.get(bucket)
        earliest = times[-1] + window if times else now
        slot = max(now, earliest, self.reserved_until.get(bucket, 0.0))
        self.reserved_until[bucket] = slot + window
        return slot - now
