"""A per-person and per-channel rate limit on commands, as feeds.yaml's `rate_limit` sets.

Each person and each channel has a token bucket: `per_user` (or `per_channel`) commands at
once, refilled evenly over `window`. A command takes one token from both buckets, or is
refused with a polite line that says when to try again. Buckets are kept for at most
MAX_KEYS people and channels, so a flood of new ids cannot grow the process without end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import RateLimit

MAX_KEYS = 50_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


def _per(seconds: float) -> str:
    named = {60.0: "a minute", 3600.0: "an hour", 86400.0: "a day", 1.0: "a second"}
    return named.get(seconds, f"every {seconds:g} s")


class RateLimiter:
    def __init__(
        self, settings: RateLimit, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._window = settings.window.total_seconds()
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def check(self, user_id: str, channel_id: str) -> str | None:
        """None when the command may run (its tokens taken), else the line refusing it."""
        now = self._clock()
        user = self._bucket(("user", user_id), self._settings.per_user, now)
        channel = self._bucket(("channel", channel_id), self._settings.per_channel, now)
        if user.tokens < 1:
            wait = self._wait(user, self._settings.per_user)
            return (f"Please slow down: {self._settings.per_user} commands "
                    f"{_per(self._window)} per person. Try again in {wait} s.")
        if channel.tokens < 1:
            wait = self._wait(channel, self._settings.per_channel)
            return (f"This channel is busy: {self._settings.per_channel} commands "
                    f"{_per(self._window)} at most. Try again in {wait} s.")
        user.tokens -= 1
        channel.tokens -= 1
        return None

    def _bucket(self, key: tuple[str, str], capacity: int, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(float(capacity), now)
            return bucket
        refill = (now - bucket.at) * capacity / self._window
        bucket.tokens = min(float(capacity), bucket.tokens + refill)
        bucket.at = now
        return bucket

    def _evict(self, now: float) -> None:
        """Forget the buckets that have refilled (they would start full anyway); if none
        has, the oldest half, which lets those ids start afresh."""
        full = [key for key, b in self._buckets.items() if now - b.at >= self._window]
        if not full:
            full = list(self._buckets)[: len(self._buckets) // 2]
        for key in full:
            del self._buckets[key]

    def _wait(self, bucket: _Bucket, capacity: int) -> int:
        return max(1, math.ceil((1 - bucket.tokens) * self._window / capacity))
