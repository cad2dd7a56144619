"""An asyncio work queue with client-go's guarantees, a delaying layer and a rate-limited layer.

Guarantees (the same as client-go's ``workqueue``):

* a key waits in the queue at most once: adding a waiting key again is a no-op;
* no key is handed to two workers at once: a key being processed is not handed out again
  until ``done`` is called for it;
* a key added while it is being processed is processed again after ``done``;
* ``add_after`` makes a key wait at least the delay; a key delayed twice keeps the earlier time;
* ``add_rate_limited`` delays by the rate limiter, ``forget`` resets the key's backoff;
* ``shut_down_with_drain`` stops handing out keys and waits, with a bound, for in-flight work.

One addition: a key whose delay ran out (a running job's due poll, a retry) waits in a
lane of its own that workers serve first, so a burst of new keys (a thousand resources
applied at once) does not hold a due poll behind the whole burst. Every
``_DUE_BEFORE_NEW``-th key in a row from that lane, a waiting new key goes first, so
neither lane can starve the other.

Unlike client-go, ``get`` raises :class:`QueueShutDown` as soon as shutdown starts instead of
handing out the keys still waiting: the controller is level-triggered, so whatever was not
started is enqueued again by the informer's initial list when the next process starts.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from controller.metrics import Metrics, QueueMetrics
from controller.rate_limiter import RateLimiter, default_controller_rate_limiter

K = TypeVar("K", bound=Hashable)
_DUE_BEFORE_NEW = 8


class QueueShutDown(Exception):
    """The queue is shutting down: the worker asking for work should stop."""


class WorkQueue(Generic[K]):
    """A deduplicating FIFO of keys with delayed and rate-limited adds. Use from one loop."""

    def __init__(
        self,
        name: str = "",
        *,
        rate_limiter: RateLimiter | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.rate_limiter = rate_limiter or default_controller_rate_limiter()
        self._clock = clock
        self._queue: deque[K] = deque()
        # Keys whose delay ran out, served before ``_queue`` (see the module docstring).
        self._due: deque[K] = deque()
        self._due_keys: set[K] = set()  # waiting keys that go to the due lane
        self._due_in_a_row = 0
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._enqueued_at: dict[K, float] = {}
        self._started_at: dict[K, float] = {}
        self._getters: deque[asyncio.Future[None]] = deque()
        # Delaying layer: a heap of (ready time, tie-breaker, key) and each key's earliest
        # ready time; heap entries whose time no longer matches are stale and skipped.
        self._delayed: list[tuple[float, int, K]] = []
        self._ready_at: dict[K, float] = {}
        self._sequence = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = 0.0
        self._shutting_down = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._metrics: QueueMetrics | None = None
        if metrics is not None:
            self._metrics = metrics.for_queue(
                name,
                unfinished_seconds=self.unfinished_work_seconds,
                longest_running_seconds=self.longest_running_seconds,
            )

    # -- the basic queue ------------------------------------------------------------------

    def add(self, key: K) -> None:
        """Make ``key`` wait for a worker, unless it already waits or we are shutting down."""
        if self._shutting_down or key in self._dirty:
            return
        metrics = self._metrics
        if metrics is not None:
            metrics.adds.inc()
        self._dirty.add(key)
        self._enqueued_at.setdefault(key, self._clock())
        if key in self._processing:
            return  # done() puts it back, so it is never handed to two workers.
        self._push(key)

    def add_due(self, key: K) -> None:
        """Add ``key`` to the due lane at once: something it waits for has happened (a
        running job that SageMaker's change list says moved), so it goes before new keys.
        A key already waiting among the new ones moves to the due lane."""
        if self._shutting_down or key in self._due_keys:
            return
        self._due_keys.add(key)
        if key in self._dirty and key not in self._processing:
            self._queue.remove(key)  # rare (an event came first), and O(waiting keys)
            self._due.append(key)
            return
        self.add(key)

    async def get(self) -> K:
        """The next key to process; the caller must call ``done(key)`` when finished."""
        while not (self._queue or self._due) and not self._shutting_down:
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # pass the wake-up we swallowed to another worker
                else:
                    waiter.cancel()
                raise
        if self._shutting_down:
            raise QueueShutDown(self.name)
        key = self._next()
        now = self._clock()
        self._dirty.discard(key)
        self._processing.add(key)
        self._started_at[key] = now
        self._idle.clear()
        enqueued = self._enqueued_at.pop(key, now)
        metrics = self._metrics
        if metrics is not None:
            metrics.depth.dec()
            metrics.queue_duration.observe(now - enqueued)
        return key

    def _next(self) -> K:
        if self._due and (not self._queue or self._due_in_a_row < _DUE_BEFORE_NEW):
            self._due_in_a_row += 1
            key = self._due.popleft()
        else:
            self._due_in_a_row = 0
            key = self._queue.popleft()
        self._due_keys.discard(key)
        return key

    def done(self, key: K) -> None:
        """Mark ``key`` finished; if it was added meanwhile, it waits for a worker again."""
        if key not in self._processing:
            return
        self._processing.discard(key)
        started = self._started_at.pop(key, None)
        metrics = self._metrics
        if metrics is not None and started is not None:
            metrics.work_duration.observe(self._clock() - started)
        if key in self._dirty and not self._shutting_down:
            self._push(key)
        if not self._processing:
            self._idle.set()

    def __len__(self) -> int:
        """How many keys wait for a worker (not counting delayed or in-flight ones)."""
        return len(self._queue) + len(self._due)

    @property
    def processing(self) -> frozenset[K]:
        return frozenset(self._processing)

    @property
    def delayed_count(self) -> int:
        return len(self._ready_at)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    # -- delaying layer ---------------------------------------------------------------------

    def add_after(self, key: K, delay: float) -> None:
        """Add ``key`` once ``delay`` seconds have passed (at once if ``delay <= 0``)."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        ready = loop.time() + delay
        current = self._ready_at.get(key)
        if current is not None and current <= ready:
            return
        self._ready_at[key] = ready
        self._sequence += 1
        heapq.heappush(self._delayed, (ready, self._sequence, key))
        if self._timer is None or ready < self._timer_due:
            self._schedule(loop, ready)

    def _schedule(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = due
        self._timer = loop.call_at(due, self._release_due)

    def _release_due(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._delayed and self._delayed[0][0] <= now:
            ready, _, key = heapq.heappop(self._delayed)
            if self._ready_at.get(key) == ready:
                del self._ready_at[key]
                if key not in self._dirty and not self._shutting_down:
                    self._due_keys.add(key)  # ``add`` (the one door in) puts it in that lane
                self.add(key)
        if self._delayed:
            self._schedule(loop, self._delayed[0][0])

    # -- rate-limited layer -----------------------------------------------------------------

    def add_rate_limited(self, key: K) -> None:
        """Add ``key`` after its backoff (grows with each call until ``forget``)."""
        if self._shutting_down:
            return
        if self._metrics is not None:
            self._metrics.retries.inc()
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: K) -> None:
        """Reset ``key``'s backoff: call it when the key was processed successfully."""
        self.rate_limiter.forget(key)

    def num_requeues(self, key: K) -> int:
        return self.rate_limiter.failures(key)

    # -- shutdown ---------------------------------------------------------------------------

    def shut_down(self) -> None:
        """Stop accepting and handing out keys; waiting workers get :class:`QueueShutDown`."""
        if self._shutting_down:
            return
        self._shutting_down = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._delayed.clear()
        self._ready_at.clear()
        self._due_keys.clear()
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    async def shut_down_with_drain(self, drain_seconds: float) -> bool:
        """Shut down and wait up to ``drain_seconds`` for in-flight keys; True if all finished."""
        self.shut_down()
        try:
            async with asyncio.timeout(drain_seconds):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    # -- metrics helpers --------------------------------------------------------------------

    def unfinished_work_seconds(self) -> float:
        now = self._clock()
        return sum(now - started for started in self._started_at.values())

    def longest_running_seconds(self) -> float:
        if not self._started_at:
            return 0.0
        return self._clock() - min(self._started_at.values())

    # -- internals --------------------------------------------------------------------------

    def _push(self, key: K) -> None:
        (self._due if key in self._due_keys else self._queue).append(key)
        if self._metrics is not None:
            self._metrics.depth.inc()
        self._wake_one()

    def _wake_one(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
