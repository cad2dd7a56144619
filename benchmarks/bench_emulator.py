"""DescribeTrainingJob throughput of the SageMaker emulator, through aiobotocore.

The emulator runs in its own process (one event loop, so at most one core) and
the aiobotocore client in this one, so the two do not share an event loop. On a
small shared machine the client is usually the slower side, so besides the
observed requests per second the script reports the server's own rate: requests
served per CPU-second the server process used, which is its one-core capacity.

Run: .venv/bin/python benchmarks/bench_emulator.py [--seconds 5] [--concurrency 8]
Loopback only; bounded by --seconds plus a few seconds of start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from local_cluster.processes import cpu_seconds, terminate
from local_stack.processes import start_emulator
from sagemaker_emulator.testing import make_client

TRAINING_JOB: dict[str, Any] = {
    "TrainingJobName": "bench-job",
    "AlgorithmSpecification": {"TrainingImage": "bench:latest", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "OutputDataConfig": {"S3OutputPath": "s3://bench/output/"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}


async def hammer(client: Any, deadline: float, counts: list[int]) -> None:
    while time.monotonic() < deadline:
        await client.describe_training_job(TrainingJobName="bench-job")
        counts[0] += 1


async def measure(url: str, pid: int, seconds: float, concurrency: int) -> dict[str, float]:
    async with make_client(url, "sagemaker", retries_off=True, timeout=10) as client:
        await client.create_training_job(**TRAINING_JOB)
        warm = [0]
        await asyncio.gather(
            *(hammer(client, time.monotonic() + 1.0, warm) for _ in range(concurrency))
        )
        counts = [0]
        cpu_before = await asyncio.to_thread(cpu_seconds, pid)
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(hammer(client, deadline, counts) for _ in range(concurrency)))
        elapsed = time.monotonic() - started
        cpu_used = await asyncio.to_thread(cpu_seconds, pid) - cpu_before
    return {
        "requests": counts[0],
        "elapsed": elapsed,
        "observed_rps": counts[0] / elapsed,
        "server_cpu": cpu_used,
        "server_rps_per_core": counts[0] / cpu_used if cpu_used > 0 else float("nan"),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="bench-emulator-")) / "emulator.log"
    process, url = await start_emulator(log, time_scale=60)
    try:
        result = await measure(url, process.pid, args.seconds, args.concurrency)
    finally:
        await terminate(process)
        shutil.rmtree(log.parent, ignore_errors=True)
    print(f"DescribeTrainingJob via aiobotocore, {args.concurrency} concurrent, {url}")
    print(f"  requests:            {result['requests']:.0f} in {result['elapsed']:.1f} s")
    busy = result["server_cpu"] / result["elapsed"]
    print(f"  observed throughput: {result['observed_rps']:.0f} requests/s")
    print(f"  server CPU used:     {result['server_cpu']:.2f} s ({busy:.0%} of one core)")
    print(f"  server throughput:   {result['server_rps_per_core']:.0f} requests/s on one core")


if __name__ == "__main__":
    asyncio.run(main())
