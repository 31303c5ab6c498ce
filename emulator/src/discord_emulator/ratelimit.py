"""Per-route rate limit buckets, a global limit, and injected failures and latency."""

from __future__ import annotations

import fnmatch
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

# (method, route template prefix) -> (limit, window seconds); first match wins.
ROUTE_LIMITS: list[tuple[str, str, int, float]] = [
    ("*", "/channels/{channel_id}/messages/{message_id}/reactions*", 1, 0.25),
    ("POST", "/channels/{channel_id}/messages", 5, 5.0),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", 5, 5.0),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", 5, 1.0),
    ("PUT", "/applications/*", 2, 1.0),
    ("*", "/webhooks/*", 5, 2.0),
    ("*", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", 10, 10.0),
]
DEFAULT_LIMIT = (50, 1.0)
GLOBAL_LIMIT = 50


@dataclass
class Bucket:
    """One rate limit bucket's window."""

    key: str
    limit: int
    window: float
    remaining: int = 0
    reset_at: float = 0.0


@dataclass
class Injection:
    """A failure injected for requests matching a pattern."""

    pattern: str
    status: int
    times: int
    retry_after: float = 0.05
    is_global: bool = False
    #: Process the request first, then answer `status` anyway (a reply lost on the way back).
    after_processing: bool = False


@dataclass
class Decision:
    """The rate limiter's verdict for one request."""

    headers: dict[str, str]
    status: int | None = None
    body: dict[str, Any] | None = None
    injected: bool = False
    #: A failure to answer instead of the result once the request has been processed.
    fail_after: tuple[int, dict[str, Any]] | None = None


@dataclass
class RateLimiter:
    """Track buckets per route and major parameter; decide 429s; inject failures."""

    enabled: bool = True
    speed: float = 1.0
    global_limit: int = GLOBAL_LIMIT
    buckets: dict[str, Bucket] = field(default_factory=dict)
    injections: list[Injection] = field(default_factory=list)
    #: Injected latency: [pattern, seconds, times left] (see `delay`).
    delays: list[list[Any]] = field(default_factory=list)
    _global_window: float = 0.0
    _global_count: int = 0

    def inject(
        self,
        pattern: str,
        status: int = 429,
        times: int = 1,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
        after_processing: bool = False,
    ) -> None:
        """Answer the next `times` requests matching `pattern` (``"METHOD /route"`` glob)."""
        self.injections.append(
            Injection(pattern, status, times, retry_after, is_global, after_processing)
        )

    def delay(self, pattern: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` requests matching `pattern` for `seconds` before serving them."""
        self.delays.append([pattern, seconds, times])

    def take_delay(self, method: str, template: str, path: str) -> float:
        """Return how long to hold this request (0: none), counting it against its delay."""
        for entry in self.delays:
            pattern, seconds, times = entry
            if times > 0 and (
                fnmatch.fnmatchcase(f"{method} {template}", pattern)
                or fnmatch.fnmatchcase(f"{method} {path}", pattern)
            ):
                entry[2] = times - 1
                return float(seconds)
        return 0.0

    def _limits(self, method: str, template: str) -> tuple[int, float]:
        for m, pat, limit, window in ROUTE_LIMITS:
            if (m in ("*", method)) and fnmatch.fnmatchcase(template, pat):
                return limit, window
        return DEFAULT_LIMIT

    def _take_injection(self, method: str, template: str, path: str) -> Injection | None:
        for inj in self.injections:
            if inj.times <= 0:
                continue
            if fnmatch.fnmatchcase(f"{method} {template}", inj.pattern) or fnmatch.fnmatchcase(
                f"{method} {path}", inj.pattern
            ):
                inj.times -= 1
                return inj
        return None

    def check(
        self, method: str, template: str, path: str, major: str, *, exempt_global: bool = False
    ) -> Decision:
        """Consume one request from its bucket and return headers or a 429/5xx decision."""
        now = time.monotonic()
        inj = self._take_injection(method, template, path)
        later: Injection | None = None
        if inj is not None and inj.after_processing:
            later, inj = inj, None
        if inj is not None:
            if inj.status == 429:
                return Decision(
                    headers=_limited_headers(inj.retry_after, inj.is_global),
                    status=429,
                    body={
                        "message": "You are being rate limited.",
                        "retry_after": inj.retry_after,
                        "global": inj.is_global,
                    },
                    injected=True,
                )
            return Decision(
                headers={},
                status=inj.status,
                body={"message": "Internal Server Error", "code": 0},
                injected=True,
            )
        limit, window = self._limits(method, template)
        window = window / max(self.speed, 1e-9)
        # Every reaction route of a channel shares one bucket, as on Discord.
        shared = "/reactions" in template
        key = f"reactions {major}" if shared else f"{method} {template} {major}"
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(key, limit, window, limit, now + window)
        if now >= bucket.reset_at:
            bucket.remaining = limit
            bucket.reset_at = now + window
        fail_after = (
            (later.status, {"message": "Internal Server Error", "code": 0}) if later else None
        )
        if not self.enabled:
            return Decision(headers={}, fail_after=fail_after)
        if not exempt_global:
            gwin = 1.0 / max(self.speed, 1e-9)
            if now - self._global_window >= gwin:
                self._global_window = now
                self._global_count = 0
            self._global_count += 1
            if self._global_count > self.global_limit:
                _give_back(later)
                retry = max(self._global_window + gwin - now, 0.001)
                return Decision(
                    headers=_limited_headers(retry, True),
                    status=429,
                    body={
                        "message": "You are being rate limited.",
                        "retry_after": round(retry, 3),
                        "global": True,
                    },
                )
        reset_after = max(bucket.reset_at - now, 0.0)
        bucket_hash = hashlib.sha1(key.rsplit(" ", 1)[0].encode()).hexdigest()[:16]
        if bucket.remaining <= 0:
            _give_back(later)
            headers = _bucket_headers(bucket, 0, reset_after, bucket_hash)
            headers.update(_limited_headers(reset_after, False))
            return Decision(
                headers=headers,
                status=429,
                body={
                    "message": "You are being rate limited.",
                    "retry_after": round(max(reset_after, 0.001), 3),
                    "global": False,
                },
            )
        bucket.remaining -= 1
        return Decision(
            headers=_bucket_headers(bucket, bucket.remaining, reset_after, bucket_hash),
            fail_after=fail_after,
        )


def _give_back(injection: Injection | None) -> None:
    """Keep an after-processing failure for the next request when this one was never served."""
    if injection is not None:
        injection.times += 1


def _bucket_headers(bucket: Bucket, remaining: int, reset_after: float, bucket_hash: str) -> dict:
    return {
        "X-RateLimit-Limit": str(bucket.limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket_hash,
    }


def _limited_headers(retry_after: float, is_global: bool) -> dict[str, str]:
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return headers
