"""The SageMaker emulator holding many long jobs: memory, pending events and request latency.

Starts the emulator in its own process (real time), makes every training phase last a
simulated week, creates N training jobs and then, while they train, times Describe and
List calls: DescribeTrainingJob of a random job, and the change list the operator sends
(ListTrainingJobs with LastModifiedTimeAfter, 100 to a page). Prints the emulator's RSS
and pending scheduler events after the creates and at the end. Each job holds one pending
progress-log event whatever its phase's length, so both stay flat in the phase's length.

Run: .venv/bin/python benchmarks/bench_emulator_scale.py [--jobs 10000] [--seconds 30]
Loopback only; bounded by the creates plus --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_emulator import TRAINING_JOB
from operator_stack import emulator_request

from local_cluster.processes import peak_rss_mib, terminate
from local_stack.processes import start_emulator
from sagemaker_emulator.testing import make_client

WEEK = 7 * 24 * 3600
_CREATES_AT_ONCE = 16


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def create_jobs(client: Any, count: int) -> None:
    gate = asyncio.Semaphore(_CREATES_AT_ONCE)

    async def create(index: int) -> None:
        async with gate:
            await client.create_training_job(
                **{
                    **TRAINING_JOB,
                    "TrainingJobName": f"week-{index:05d}",
                    "StoppingCondition": {"MaxRuntimeInSeconds": 2 * WEEK},
                }
            )

    await asyncio.gather(*(create(i) for i in range(count)))


async def timed(call: Any) -> float:
    started = time.perf_counter()
    await call
    return (time.perf_counter() - started) * 1000


async def measure(client: Any, jobs: int, seconds: float) -> dict[str, list[float]]:
    describes: list[float] = []
    lists: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        name = f"week-{random.randrange(jobs):05d}"
        describes.append(await timed(client.describe_training_job(TrainingJobName=name)))
        since = time.time() - 10
        lists.append(
            await timed(client.list_training_jobs(LastModifiedTimeAfter=since, MaxResults=100))
        )
        await asyncio.sleep(0.05)
    return {"DescribeTrainingJob": describes, "ListTrainingJobs (changed)": lists}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="bench-emulator-scale-")) / "emulator.log"
    process, url = await start_emulator(log, time_scale=1)
    try:
        timings = {"training_starting": 1, "training_downloading": 1, "training_training": WEEK}
        await emulator_request(url, "PUT", "timings", timings)
        async with make_client(url, "sagemaker", retries_off=True, timeout=60) as client:
            started = time.monotonic()
            await create_jobs(client, args.jobs)
            created = time.monotonic() - started
            after_create = await emulator_request(url, "GET", "status")
            rss_created = peak_rss_mib(process.pid)
            latencies = await measure(client, args.jobs, args.seconds)
            at_end = await emulator_request(url, "GET", "status")
        rss_end = peak_rss_mib(process.pid)
    finally:
        await terminate(process)
        shutil.rmtree(log.parent, ignore_errors=True)
    print(f"{args.jobs} training jobs, each training for a simulated week ({url})")
    print(f"  created in:         {created:.1f} s")
    print(
        f"  pending events:     {after_create['pending_events']} after the creates, "
        f"{at_end['pending_events']} after {args.seconds:g} s"
    )
    print(
        f"  emulator peak RSS:  {rss_created:.0f} MiB after the creates, {rss_end:.0f} at the end"
    )
    for operation, values in latencies.items():
        print(
            f"  {operation + ':':<27} p50 {statistics.median(values):.1f} ms, "
            f"p99 {percentile(values, 0.99):.1f} ms ({len(values)} calls)"
        )


if __name__ == "__main__":
    asyncio.run(main())
