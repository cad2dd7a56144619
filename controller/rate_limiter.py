"""How long a key waits before it is retried (per-key backoff), and token buckets.

A failing key waits for its own jittered exponential backoff, nothing else: the controller's
default limiter is that backoff alone. client-go's default also takes the max with a shared
token bucket's *reservation*; every failure then books a future slot, so the failures of an
outage queue up retries that come due long after it ended (850 failures at 10/s: 85 s of
retries still to come when the apiserver is back). What that bucket protected, the apiserver
from a storm of retries, is kept by :class:`TokenBucket` at the other end: a worker takes a
token when it takes a retried key from the queue, and a bucket that is empty makes it wait
without booking anything, so demand that went away leaves no debt behind. The SageMaker
request budget (``sagemaker_client.budget``) hands out the same bucket's tokens in order.
"""

from __future__ import annotations

import asyncio
import random
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


_TOKEN_EPSILON = 1e-9


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; taking never reserves.

    ``try_take`` either takes a token or says how long until one is there, without booking
    it; ``take`` waits and asks again. Callers that gave up (or were cancelled) cost nothing.
    """

    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 100,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        # The event loop's clock by default, so the waits and the refill agree.
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._tokens = float(burst)
        self._last: float | None = None

    def try_take(self) -> float:
        """0.0 if a token was taken, else the seconds until one will be there (not reserved)."""
        now = self._clock()
        if self._last is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        # The tolerance absorbs float rounding: without it, a caller that slept exactly the
        # wait it was told can find 0.999999... tokens and be told to sleep 1e-16 s, forever.
        if self._tokens >= 1.0 - _TOKEN_EPSILON:
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return (1.0 - self._tokens) / self.rate

    async def take(self) -> None:
        """Wait until a token is free and take it."""
        wait = self.try_take()
        while wait > 0.0:
            await asyncio.sleep(wait)
            wait = self.try_take()


def default_controller_rate_limiter(backoff: BackoffSettings | None = None) -> RateLimiter:
    """A failing key's retry delay: its own jittered exponential backoff (5 ms .. cap).

    No shared reservation is added (see the module doc); the overall retry rate is bounded
    when retried keys are taken from the queue, by :func:`default_retry_budget`.
    """
    return ExponentialBackoffLimiter(backoff)


def default_retry_budget() -> TokenBucket:
    """client-go's overall retry rate, 10/s with a burst of 100, applied when a worker takes a
    retried key rather than booked when the key fails."""
    return TokenBucket(rate=10.0, burst=100)
