"""A request budget per AWS region, shared by every controller in the process.

SageMaker throttles per account and region. A burst of thousands of resources must queue
here rather than turn into a storm of ThrottlingExceptions and retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from controller.rate_limiter import TokenBucketLimiter


class RequestBudget:
    """``rate`` requests a second per region, with bursts of up to ``burst``.

    A region named in ``per_region`` gets its own rate, and a burst of one second's worth.
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        per_region: dict[str, float] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or any(r <= 0 for r in (per_region or {}).values()):
            raise ValueError("the SageMaker request budget must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1, int(rate))
        self._per_region = dict(per_region or {})
        self._buckets: dict[str, TokenBucketLimiter] = {}
        self._clock = clock
        self._sleep = sleep

    def rate_for(self, region: str) -> float:
        return self._per_region.get(region, self.rate)

    async def acquire(self, region: str) -> None:
        """Wait until a request to ``region`` fits the budget, then spend one token."""
        bucket = self._buckets.get(region)
        if bucket is None:
            rate = self.rate_for(region)
            burst = self.burst if region not in self._per_region else max(1, int(rate))
            bucket = self._buckets[region] = TokenBucketLimiter(
                rate=rate, burst=burst, clock=self._clock
            )
        # The bucket reserves a future token when it is empty, so concurrent callers are
        # spaced 1/rate apart rather than all waking at once.
        delay = bucket.when(region)
        if delay > 0:
            await self._sleep(delay)
