"""TrainingJobs through the whole stack: apply -> InProgress -> Completed, at several sizes.

For each size N, on a fresh local control plane (audit on) and a fresh SageMaker emulator
process, with the real ``sagemaker-operator`` command as a third process, the script
creates N TrainingJobs and prints:

- seconds from the first create to every job InProgress (and to every job Completed),
- SageMaker calls per completed job (the emulator's request log),
- status writes per completed job (the apiserver's audit log),
- the operator's peak RSS and CPU seconds.

Run: .venv/bin/python benchmarks/bench_jobs.py [--sizes 100 1000] [--time-scale 100]
Loopback only; each size is bounded by --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import yaml
from operator_stack import ROOT, running_stack, stack_parser

PLURAL = "trainingjobs"


async def run_size(size: int, args: argparse.Namespace) -> dict[str, float]:
    sample = yaml.safe_load((ROOT / "config" / "samples" / "trainingjob.yaml").read_text())
    flags = (
        "--job-poll-interval", str(args.poll_interval),
        "--max-concurrent-reconciles", str(args.concurrency),
        "--sagemaker-request-budget", str(args.budget),
    )  # fmt: skip
    async with running_stack(PLURAL, args.time_scale, flags, "bench-jobs-") as stack:
        started = time.monotonic()
        await stack.create_all(sample, (f"job-{i:05d}" for i in range(size)))
        created = time.monotonic() - started
        in_progress = completed = float("nan")
        async with asyncio.timeout(args.timeout):
            while True:
                counts = await stack.status_counts("trainingJobStatus")
                running_or_done = counts.get("InProgress", 0) + counts.get("Completed", 0)
                if in_progress != in_progress and running_or_done == size:
                    in_progress = time.monotonic() - started
                if counts.get("Completed", 0) == size:
                    completed = time.monotonic() - started
                    break
                if counts.get("Failed"):
                    raise RuntimeError(f"jobs failed: {counts}")
                await asyncio.sleep(0.25)
        await asyncio.sleep(args.poll_interval * 2)  # nothing more should happen now
        rss, cpu = stack.operator_usage()
        requests = await stack.emulator_get("requests?limit=1")
        await stack.stop_processes()
        writes = stack.status_writes()
    return {
        "size": size,
        "create_seconds": created,
        "to_in_progress_seconds": in_progress,
        "to_completed_seconds": completed,
        "sagemaker_calls_per_job": requests["total"] / size,
        "status_writes_per_job": writes / size,
        "operator_peak_rss_mib": rss,
        "operator_cpu_seconds": cpu,
    }


async def main() -> None:
    args = stack_parser(__doc__ or "", sizes=[100, 1000], timeout=900.0).parse_args()
    print(
        f"TrainingJobs through the operator (time scale x{args.time_scale:g}, poll "
        f"{args.poll_interval:g}s, {args.concurrency} workers, budget {args.budget:g} req/s)"
    )
    header = (
        f"{'jobs':>6} {'create s':>9} {'->InProgress s':>15} {'->Completed s':>14} "
        f"{'calls/job':>10} {'writes/job':>11} {'peak RSS MiB':>13} {'CPU s':>7}"
    )
    print(header)
    for size in args.sizes:
        r = await run_size(size, args)
        print(
            f"{size:>6} {r['create_seconds']:>9.1f} {r['to_in_progress_seconds']:>15.1f} "
            f"{r['to_completed_seconds']:>14.1f} {r['sagemaker_calls_per_job']:>10.2f} "
            f"{r['status_writes_per_job']:>11.2f} {r['operator_peak_rss_mib']:>13.1f} "
            f"{r['operator_cpu_seconds']:>7.1f}",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
