"""A per-key token bucket: so many requests a second, a burst allowed, in plain Python."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Keys kept at most; past it, the buckets that have filled up again (idle keys) are dropped.
MAX_KEYS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key (an address): `rate` tokens a second, holding at most `burst`."""

    def __init__(self, rate: float, burst: int, *, max_keys: int = MAX_KEYS) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, now: float) -> float:
        """Take a token for `key` at `now` (seconds); return 0 if granted, else seconds to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            elapsed = max(now - bucket.at, 0.0)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def retry_after(self, wait: float) -> int:
        """Return a wait as the whole seconds of a Retry-After header (at least 1)."""
        return max(1, math.ceil(wait))

    def __len__(self) -> int:
        """Return how many keys have a bucket."""
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        """Drop the buckets full again by `now`; if none is, the oldest half."""
        full = self.burst / self.rate
        idle = [k for k, b in self._buckets.items() if now - b.at >= full]
        if not idle:
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k].at)
            idle = by_age[: len(by_age) // 2 or 1]
        for key in idle:
            del self._buckets[key]
