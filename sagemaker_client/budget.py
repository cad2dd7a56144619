"""A request budget per AWS region, shared by every controller in the process.

SageMaker throttles per account and region. A burst of thousands of resources must queue
here rather than turn into a storm of ThrottlingExceptions and retries.

Requests that wait are served in two lanes. The first holds what brings a change
SageMaker made to a status: the change lists, and the describes of the jobs they woke. A
burst of new resources must not hold back the status of a job that just completed. Every
other request (creates, first describes, stops, updates, tags) goes in the second, which is
served at least once every ``FIRST_LANE_RUN + 1`` grants while it waits, so the first lane
never starves it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from controller.rate_limiter import TokenBucket

# Grants in a row the first lane may take while the second lane waits.
FIRST_LANE_RUN = 8


class RequestBudget:
    """``rate`` requests a second per region, with bursts of up to ``burst``.

    A region named in ``per_region`` gets its own rate, and a burst of one second's worth.
    ``clock`` and ``sleep`` must agree (the event loop's by default).
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        per_region: dict[str, float] | None = None,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or any(r <= 0 for r in (per_region or {}).values()):
            raise ValueError("the SageMaker request budget must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1, int(rate))
        self._per_region = dict(per_region or {})
        self._lanes: dict[str, _RegionLanes] = {}
        self._clock = clock
        self._sleep = sleep

    def rate_for(self, region: str) -> float:
        return self._per_region.get(region, self.rate)

    async def acquire(self, region: str, *, first: bool = False) -> None:
        """Wait until a request to ``region`` fits the budget, then spend one token.

        ``first``: it brings a change to a status; served ahead of the other lane.
        """
        lanes = self._lanes.get(region)
        if lanes is None:
            rate = self.rate_for(region)
            burst = self.burst if region not in self._per_region else max(1, int(rate))
            bucket = TokenBucket(rate=rate, burst=burst, clock=self._clock)
            lanes = self._lanes[region] = _RegionLanes(bucket, self._sleep)
        await lanes.acquire(first)


class _RegionLanes:
    """One region's bucket and the requests waiting for it, handed tokens by one task."""

    def __init__(self, bucket: TokenBucket, sleep: Callable[[float], Awaitable[None]]) -> None:
        self._bucket = bucket
        self._sleep = sleep
        self._first: deque[asyncio.Future[None]] = deque()
        self._second: deque[asyncio.Future[None]] = deque()
        self._run = 0  # first-lane grants in a row while the second lane waited
        self._dispatcher: asyncio.Task[None] | None = None

    async def acquire(self, first: bool) -> None:
        if not self._first and not self._second and self._bucket.try_take() == 0.0:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._first if first else self._second).append(waiter)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="sagemaker-budget")
        # A waiter cancelled here is skipped by the dispatcher and costs no token.
        await waiter

    async def _dispatch(self) -> None:
        while self._drop_abandoned():
            wait = self._bucket.try_take()
            if wait > 0.0:
                await self._sleep(wait)
                continue
            # No await since the abandoned were dropped, so the head of a lane is live.
            self._next().set_result(None)

    def _drop_abandoned(self) -> bool:
        for lane in (self._first, self._second):
            while lane and lane[0].done():
                lane.popleft()
        return bool(self._first or self._second)

    def _next(self) -> asyncio.Future[None]:
        if self._first and (not self._second or self._run < FIRST_LANE_RUN):
            self._run = self._run + 1 if self._second else 0
            return self._first.popleft()
        self._run = 0
        return self._second.popleft()
