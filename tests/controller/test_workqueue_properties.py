"""Random programs of add, add_after, add_rate_limited, get, done and forget on several workers.

Every example runs on its own fresh event loop with real (millisecond) timers. The queue is
instrumented by overriding ``add``, the single door through which the delaying and
rate-limited layers also enter, so the log shows when each key really became due.
Properties checked on the log:

* exclusivity: no key is handed to a worker while another worker holds it;
* nothing lost: every delayed add becomes a real add, and every real add is followed by a
  hand-out of that key;
* no double wait: between two hand-outs of a key there is a real add of it after the first.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.rate_limiter import BackoffSettings, ExponentialBackoffLimiter
from controller.workqueue import QueueShutDown, WorkQueue

KEYS = ["a", "b", "c", "d"]


@dataclass
class Log:
    sequence: int = 0
    real_adds: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KEYS})
    delayed_adds: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KEYS})
    handed_out: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KEYS})
    in_flight: set[str] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)

    def tick(self) -> int:
        self.sequence += 1
        return self.sequence


class LoggedQueue(WorkQueue[str]):
    def __init__(self, log: Log) -> None:
        backoff = BackoffSettings(base_seconds=0.001, cap_seconds=0.004, jitter=0.5)
        super().__init__("prop", rate_limiter=ExponentialBackoffLimiter(backoff))
        self.log = log

    def add(self, key: str) -> None:
        if not self.shutting_down:
            self.log.real_adds[key].append(self.log.tick())
        super().add(key)


operations = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KEYS), st.just(0)),
    st.tuples(st.just("add_after"), st.sampled_from(KEYS), st.integers(0, 4)),
    st.tuples(st.just("add_rate_limited"), st.sampled_from(KEYS), st.just(0)),
    st.tuples(st.just("forget"), st.sampled_from(KEYS), st.just(0)),
    st.tuples(st.just("yield"), st.just(""), st.integers(0, 3)),
    st.tuples(st.just("sleep"), st.just(""), st.integers(1, 3)),
)


async def run_program(
    program: list[tuple[str, str, int]], holds: list[int], workers: int, log: Log
) -> None:
    queue = LoggedQueue(log)
    hold_iter = iter(holds * 1000)

    async def worker() -> None:
        while True:
            try:
                key = await queue.get()
            except QueueShutDown:
                return
            if key in log.in_flight:
                log.violations.append(f"{key} handed to two workers at once")
            log.in_flight.add(key)
            log.handed_out[key].append(log.tick())
            hold = next(hold_iter)
            if hold >= 3:
                await asyncio.sleep(0.001)
            else:
                for _ in range(hold):
                    await asyncio.sleep(0)
            log.in_flight.discard(key)
            queue.done(key)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    for op, key, amount in program:
        if op == "add":
            queue.add(key)
        elif op == "add_after":
            log.delayed_adds[key].append(log.tick())
            queue.add_after(key, amount / 1000)
        elif op == "add_rate_limited":
            log.delayed_adds[key].append(log.tick())
            queue.add_rate_limited(key)
        elif op == "forget":
            queue.forget(key)
        elif op == "yield":
            for _ in range(amount):
                await asyncio.sleep(0)
        else:
            await asyncio.sleep(amount / 1000)
    # Quiesce: every delay has fired and every key has been processed.
    for _ in range(2000):
        if len(queue) == 0 and queue.delayed_count == 0 and not queue.processing:
            break
        await asyncio.sleep(0.001)
    drained = await queue.shut_down_with_drain(1.0)
    if not drained:
        log.violations.append("shutdown did not drain")
    await asyncio.wait_for(asyncio.gather(*tasks), 1.0)


def check(log: Log) -> None:
    assert not log.violations, log.violations
    for key in KEYS:
        adds, outs = log.real_adds[key], log.handed_out[key]
        for issued in log.delayed_adds[key]:
            assert any(real > issued for real in adds), f"delayed add of {key} never arrived"
        if adds:
            assert outs, f"{key} was added but never handed out"
            assert outs[-1] > adds[-1], f"an add of {key} was lost"
        for first, second in itertools.pairwise(outs):
            assert any(first < real < second for real in adds), f"{key} waited twice"
        if outs:
            assert adds, f"{key} handed out without an add"
            assert adds[0] < outs[0], f"{key} handed out before its first add"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    program=st.lists(operations, min_size=1, max_size=60),
    holds=st.lists(st.integers(0, 3), min_size=1, max_size=8),
    workers=st.integers(1, 4),
)
def test_random_programs_keep_the_queue_guarantees(
    program: list[tuple[str, str, int]], holds: list[int], workers: int
) -> None:
    log = Log()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_program(program, holds, workers, log))
    finally:
        loop.close()
    check(log)
