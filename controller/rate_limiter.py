"""How long a key waits before it is retried: per-key exponential backoff and a token bucket.

The semantics follow client-go's default controller rate limiter: the delay for a key is the
larger of its own exponential backoff and the overall token bucket's reservation, so one
failing object backs off on its own while a storm of failures is held to a global rate.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol


class RateLimiter(Protocol):
    """Decides the delay before a key is handed out again."""

    def when(self, key: Hashable) -> float:
        """Seconds to wait before ``key`` may be retried; counts one more failure."""

    def forget(self, key: Hashable) -> None:
        """Stop tracking ``key``: its next failure starts the backoff from the base."""

    def failures(self, key: Hashable) -> int:
        """How many times ``key`` has been rate limited since it was last forgotten."""


@dataclass(frozen=True)
class BackoffSettings:
    """Per-key exponential backoff: ``base * 2**failures`` capped at ``cap``, then jittered.

    ``jitter`` is the fraction by which a delay may be shortened at random (0 disables it),
    so workers retrying the same failing dependency spread out instead of arriving together.
    """

    base_seconds: float = 0.005
    cap_seconds: float = 1000.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("backoff needs 0 < base_seconds <= cap_seconds")
        if not 0.0 <= self.jitter < 1.0:
            raise ValueError("jitter must be in [0, 1)")


class ExponentialBackoffLimiter:
    """Per-key exponential backoff with jitter, bounded by a cap."""

    def __init__(
        self,
        settings: BackoffSettings | None = None,
        *,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.settings = settings or BackoffSettings()
        self._failures: dict[Hashable, int] = {}
        self._uniform = uniform

    def unjittered_delay(self, failures: int) -> float:
        """The delay for the ``failures``-th retry before jitter is applied."""
        settings = self.settings
        # Compare exponents rather than computing 2**failures, which overflows a float
        # after ~1000 failures of one key.
        if failures >= 64:
            return settings.cap_seconds
        return float(min(settings.cap_seconds, settings.base_seconds * (2**failures)))

    def when(self, key: Hashable) -> float:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        delay = self.unjittered_delay(failures)
        jitter = self.settings.jitter
        if jitter == 0.0:
            return delay
        return delay * self._uniform(1.0 - jitter, 1.0)

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def failures(self, key: Hashable) -> int:
        return self._failures.get(key, 0)


class TokenBucketLimiter:
    """An overall rate for all keys: ``rate`` tokens a second, at most ``burst`` saved up.

    A request that finds no token reserves a future one (the bucket goes negative), so the
    returned delays space retries exactly ``1/rate`` apart, as Go's ``rate.Limiter`` does.
    """

    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 100,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def when(self, key: Hashable) -> float:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= 1.0
        if self._tokens >= 0.0:
            return 0.0
        return -self._tokens / self.rate

    def forget(self, key: Hashable) -> None:
        # The bucket is shared by every key; one key's success earns no tokens back.
        return None

    def failures(self, key: Hashable) -> int:
        return 0


class MaxOfLimiter:
    """The longest delay any of several limiters asks for."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfLimiter needs at least one limiter")
        self._limiters = limiters

    def when(self, key: Hashable) -> float:
        return max(limiter.when(key) for limiter in self._limiters)

    def forget(self, key: Hashable) -> None:
        for limiter in self._limiters:
            limiter.forget(key)

    def failures(self, key: Hashable) -> int:
        return max(limiter.failures(key) for limiter in self._limiters)


def default_controller_rate_limiter(
    backoff: BackoffSettings | None = None, *, rate: float = 10.0, burst: int = 100
) -> MaxOfLimiter:
    """client-go's default: per-key backoff (5 ms .. 1000 s) and a 10 qps / 100 burst bucket."""
    return MaxOfLimiter(ExponentialBackoffLimiter(backoff), TokenBucketLimiter(rate, burst))
