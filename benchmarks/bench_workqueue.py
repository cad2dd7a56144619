"""Work queue throughput: add + get + done cycles per second, on one core, one process.

Three shapes, each bounded in time:
* ``serial``: add one key, get it, done it (the queue's per-item overhead with no batching);
* ``batched``: add 1,000 distinct keys, then get+done them all (a resync burst);
* ``workers``: 8 asyncio workers draining 1,000-key bursts (the controller's real shape).
Each runs without metrics and with the Prometheus metrics the manager attaches.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

from controller.metrics import Metrics
from controller.resources import ObjectKey
from controller.workqueue import WorkQueue

TIME_BUDGET_SECONDS = 2.0
KEYS = [ObjectKey("default", f"trainingjob-{i}") for i in range(1000)]


def new_queue(with_metrics: bool) -> WorkQueue[ObjectKey]:
    return WorkQueue("bench", metrics=Metrics() if with_metrics else None)


async def serial(queue: WorkQueue[ObjectKey]) -> int:
    cycles = 0
    deadline = time.perf_counter() + TIME_BUDGET_SECONDS
    while time.perf_counter() < deadline:
        for key in KEYS:
            queue.add(key)
            got = await queue.get()
            queue.done(got)
        cycles += len(KEYS)
    return cycles


async def batched(queue: WorkQueue[ObjectKey]) -> int:
    cycles = 0
    deadline = time.perf_counter() + TIME_BUDGET_SECONDS
    while time.perf_counter() < deadline:
        for key in KEYS:
            queue.add(key)
        for _ in KEYS:
            queue.done(await queue.get())
        cycles += len(KEYS)
    return cycles


async def workers(queue: WorkQueue[ObjectKey]) -> int:
    processed = 0
    burst_done = asyncio.Event()
    target = 0

    async def worker() -> None:
        nonlocal processed
        while True:
            key = await queue.get()
            queue.done(key)
            processed += 1
            if processed >= target:
                burst_done.set()
            if processed % 256 == 0:
                await asyncio.sleep(0)  # a reconcile always awaits something

    tasks = [asyncio.create_task(worker()) for _ in range(8)]
    deadline = time.perf_counter() + TIME_BUDGET_SECONDS
    while time.perf_counter() < deadline:
        target = processed + len(KEYS)
        burst_done.clear()
        for key in KEYS:
            queue.add(key)
        await burst_done.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return processed


Shape = Callable[[WorkQueue[ObjectKey]], Coroutine[Any, Any, int]]


def measure(shape: Shape, with_metrics: bool) -> float:
    async def run() -> float:
        queue = new_queue(with_metrics)
        started = time.perf_counter()
        cycles = await shape(queue)
        return cycles / (time.perf_counter() - started)

    return asyncio.run(run())


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the note says
    print(f"work queue: add+get+done cycles per second (one core, {TIME_BUDGET_SECONDS:.0f}s each)")
    for name, shape in (("serial", serial), ("batched", batched), ("workers", workers)):
        plain = measure(shape, with_metrics=False)
        metered = measure(shape, with_metrics=True)
        print(f"  {name:8s} {plain:>12,.0f}/s without metrics   {metered:>12,.0f}/s with metrics")


if __name__ == "__main__":
    main()
