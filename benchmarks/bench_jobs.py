"""TrainingJobs through the whole stack, at several sizes: what a run costs and what idling costs.

For each size N, on a fresh local control plane (audit on) and a fresh SageMaker emulator
process (real time, a training phase of an emulated hour), with the real
``sagemaker-operator`` command as a third process, the script:

1. measures the apiserver's own rate: a plain client creates N TrainingJobs in a namespace
   the operator does not watch and merge-patches each one's status once;
2. creates N TrainingJobs and waits until every one is InProgress;
3. once every status says Training, counts the SageMaker calls made during
   ``--idle-seconds`` while every job trains and nothing changes (the headline: what
   polling costs at rest);
4. moves the emulated clock past the end of training and waits until every status says
   Completed (the seconds from SageMaker's completion to the status);

and prints, per size: apply -> all InProgress, completion -> all Completed, apply -> all
Completed, SageMaker calls per minute at rest and per completed job (by operation), status
writes per job, the operator's peak RSS and CPU seconds, the raw apiserver rate and the
ratio of the operator's rate to it.

The operator runs at its own defaults unless --job-poll-interval, --concurrency or
--budget are given. Sizes default to 100 and 1,000; add --with-10000 for 10,000 (at the
default budget of 10 requests/s its creates, first describes and completions take ~1,000 s
each: about 55 minutes). Loopback only; each size is bounded by --timeout seconds.

Then, unless --burst 0, 10 running jobs complete while 1,000 new ones are being created:
the seconds from SageMaker's completion to their statuses saying so.

Run: .venv/bin/python benchmarks/bench_jobs.py [--sizes 100 1000] [--with-10000] [--burst N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

import yaml
from kubernetes_asyncio import client
from operator_stack import (
    GROUP,
    NAMESPACE,
    REQUEST_SECONDS,
    ROOT,
    VERSION,
    Stack,
    create_objects,
    emulator_request,
    running_stack,
    stack_parser,
)

PLURAL = "trainingjobs"
RAW_NAMESPACE = "bench-raw"
_PATCHES_AT_ONCE = 32
# Emulated seconds of training: long enough to hold every job InProgress through the run.
_TRAINING_SECONDS = 3600.0
_POLL_PAUSE = 0.25


async def raw_apiserver_seconds(stack: Stack, sample: Mapping[str, Any], size: int) -> float:
    """Seconds for a plain client to create ``size`` objects and merge-patch each status."""
    api = stack.objects.api_client
    core = client.CoreV1Api(api)
    await core.create_namespace(
        {"metadata": {"name": RAW_NAMESPACE}}, _request_timeout=REQUEST_SECONDS
    )
    names = [f"raw-{i:05d}" for i in range(size)]
    started = time.monotonic()
    bodies = ({**sample, "metadata": {"name": name}} for name in names)
    await create_objects(stack.objects, RAW_NAMESPACE, PLURAL, bodies)
    gate = asyncio.Semaphore(_PATCHES_AT_ONCE)

    async def patch(name: str) -> None:
        async with gate:
            await stack.objects.patch_namespaced_custom_object_status(
                GROUP,
                VERSION,
                RAW_NAMESPACE,
                PLURAL,
                name,
                {"status": {"trainingJobStatus": "InProgress"}},
                _request_timeout=REQUEST_SECONDS,
                _content_type="application/merge-patch+json",
            )

    await asyncio.gather(*(patch(name) for name in names))
    return time.monotonic() - started


async def wait_for(
    stack: Stack, size: int, wanted: set[str], bound: float, field: str = "trainingJobStatus"
) -> float:
    """Seconds until every object's ``status.<field>`` is one of ``wanted``."""
    started = time.monotonic()
    async with asyncio.timeout(bound):
        while True:
            counts = await stack.status_counts(field)
            if counts.get("Failed"):
                raise RuntimeError(f"jobs failed: {counts}")
            if sum(counts.get(status, 0) for status in wanted) == size:
                return time.monotonic() - started
            await asyncio.sleep(_POLL_PAUSE)


async def by_operation(stack: Stack) -> Counter[str]:
    snapshot = await stack.emulator_get("requests?limit=1")
    return Counter({k: int(v) for k, v in snapshot["by_operation"].items()})


def operator_flags(args: argparse.Namespace) -> list[str]:
    flags = []
    if args.poll_interval is not None:
        flags += ["--job-poll-interval", str(args.poll_interval)]
    if args.concurrency is not None:
        flags += ["--max-concurrent-reconciles", str(args.concurrency)]
    if args.budget is not None:
        flags += ["--sagemaker-request-budget", str(args.budget)]
    return flags


async def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    sample = yaml.safe_load((ROOT / "config" / "samples" / "trainingjob.yaml").read_text())
    async with running_stack(PLURAL, 1.0, operator_flags(args), "bench-jobs-") as stack:
        timings = {
            "training_starting": 2,
            "training_downloading": 1,
            "training_training": _TRAINING_SECONDS,
            "training_uploading": 1,
            "log_interval": 60,
        }
        await emulator_request(stack.emulator_url, "PUT", "timings", timings)
        raw = await raw_apiserver_seconds(stack, sample, size)

        started = time.monotonic()
        await stack.create_all(sample, (f"job-{i:05d}" for i in range(size)))
        in_progress = await wait_for(stack, size, {"InProgress"}, args.timeout)
        # At rest: every status shows the phase SageMaker holds the jobs in.
        await wait_for(stack, size, {"Training"}, args.timeout, "secondaryStatus")
        await asyncio.sleep(args.settle_seconds)
        before_idle = await by_operation(stack)
        await asyncio.sleep(args.idle_seconds)
        idle = await by_operation(stack) - before_idle

        await emulator_request(
            stack.emulator_url, "POST", "clock/advance", {"seconds": _TRAINING_SECONDS}
        )
        to_completed = await wait_for(stack, size, {"Completed"}, args.timeout)
        apply_to_completed = time.monotonic() - started
        await asyncio.sleep(2)
        calls = await by_operation(stack)
        rss, cpu = stack.operator_usage()
        await stack.stop_processes()
        writes = stack.status_writes_in(NAMESPACE)
    per_minute = 60.0 / args.idle_seconds
    return {
        "size": size,
        "to_in_progress": in_progress,
        "completion_to_status": to_completed,
        "apply_to_completed": apply_to_completed,
        "idle_per_minute": {op: n * per_minute for op, n in sorted(idle.items())},
        "calls_per_job": {op: n / size for op, n in sorted(calls.items())},
        "writes_per_job": writes / size,
        "rss": rss,
        "cpu": cpu,
        "raw_seconds": raw,
    }


async def run_burst(burst: int, args: argparse.Namespace) -> tuple[float, float]:
    """Seconds from SageMaker completing 10 running jobs to their statuses saying so, while
    ``burst`` new TrainingJobs are being created; and how many of the burst were still
    unstarted (no status) when the last of the 10 was seen Completed."""
    sample = yaml.safe_load((ROOT / "config" / "samples" / "trainingjob.yaml").read_text())
    early = [f"early-{i:02d}" for i in range(10)]
    async with running_stack(PLURAL, 1.0, operator_flags(args), "bench-burst-") as stack:
        timings = {"training_starting": 2, "training_downloading": 1, "training_uploading": 1}
        await emulator_request(stack.emulator_url, "PUT", "timings", timings)
        await emulator_request(
            stack.emulator_url, "PUT", "timings", {"training_training": _TRAINING_SECONDS}
        )
        await stack.create_all(sample, early)
        await wait_for(stack, len(early), {"Training"}, args.timeout, "secondaryStatus")
        # The burst's jobs train for longer than the jump: only the early ones end with it.
        longer = {"training_training": 3 * _TRAINING_SECONDS, "log_interval": 60}
        await emulator_request(stack.emulator_url, "PUT", "timings", longer)
        creating = asyncio.create_task(
            stack.create_all(sample, (f"burst-{i:05d}" for i in range(burst)))
        )
        await asyncio.sleep(5)  # the burst is under way
        await emulator_request(
            stack.emulator_url, "POST", "clock/advance", {"seconds": _TRAINING_SECONDS}
        )
        started = time.monotonic()
        async with asyncio.timeout(args.timeout):
            while True:
                listed = await stack.objects.list_namespaced_custom_object(
                    GROUP, VERSION, NAMESPACE, PLURAL, _request_timeout=REQUEST_SECONDS
                )
                statuses = {
                    item["metadata"]["name"]: (item.get("status") or {}).get("trainingJobStatus")
                    for item in listed["items"]
                }
                if all(statuses.get(name) == "Completed" for name in early):
                    break
                await asyncio.sleep(_POLL_PAUSE)
        seconds = time.monotonic() - started
        unstarted = burst - sum(
            1 for name, status in statuses.items() if name.startswith("burst-") and status
        )
        creating.cancel()
        await asyncio.gather(creating, return_exceptions=True)
    return seconds, unstarted


def _by_op(counts: Mapping[str, float], digits: int) -> str:
    if not counts:
        return "none"
    short = {op.replace("TrainingJob", "TJ"): n for op, n in counts.items()}
    return " ".join(f"{op}={n:.{digits}f}" for op, n in short.items())


def report(r: Mapping[str, Any]) -> None:
    size = r["size"]
    raw_rate = size / r["raw_seconds"]
    rate = size / r["to_in_progress"]
    idle_total = sum(r["idle_per_minute"].values())
    print(
        f"{size:>6} {r['to_in_progress']:>15.1f} {r['completion_to_status']:>14.1f} "
        f"{r['apply_to_completed']:>14.1f} {idle_total:>14.0f} "
        f"{sum(r['calls_per_job'].values()):>10.2f} {r['writes_per_job']:>11.2f} "
        f"{r['rss']:>9.1f} {r['cpu']:>7.1f} {raw_rate:>10.1f} {rate:>9.1f} "
        f"{rate / raw_rate:>6.2f}",
        flush=True,
    )
    print(f"{'':>6}   at rest, calls/min: {_by_op(r['idle_per_minute'], 0)}")
    print(f"{'':>6}   per completed job:  {_by_op(r['calls_per_job'], 2)}", flush=True)


async def main() -> None:
    parser = stack_parser(__doc__ or "", sizes=[100, 1000], timeout=900.0)
    # The operator's own defaults unless asked otherwise.
    parser.set_defaults(poll_interval=None, concurrency=None, budget=None)
    parser.add_argument("--with-10000", action="store_true", help="also run 10,000 jobs")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument(
        "--burst",
        type=int,
        default=1000,
        help="new jobs created while 10 running ones complete (0: skip that measurement)",
    )
    parser.add_argument(
        "--settle-seconds", type=float, default=5.0, help="wait after every status says Training"
    )
    args = parser.parse_args()
    if args.with_10000 and 10000 not in args.sizes:
        args.sizes.append(10000)
    if 10000 in args.sizes:
        # At the default budget of 10 requests/s, each phase of 10,000 jobs takes ~1,000 s.
        args.timeout = max(args.timeout, 2400.0)
    flags = " ".join(operator_flags(args)) or "the operator's defaults"
    print(f"TrainingJobs through the operator ({flags}; emulator in real time)")
    print(
        f"{'jobs':>6} {'->InProgress s':>15} {'end->status s':>14} {'->Completed s':>14} "
        f"{'idle calls/min':>14} {'calls/job':>10} {'writes/job':>11} {'RSS MiB':>9} "
        f"{'CPU s':>7} {'raw obj/s':>10} {'op obj/s':>9} {'ratio':>6}"
    )
    for size in args.sizes:
        if size > 0:  # --sizes 0: only the burst
            report(await run_size(size, args))
    if args.burst:
        seconds, unstarted = await run_burst(args.burst, args)
        print(
            f"10 running jobs completed while {args.burst} new ones were created: statuses "
            f"Completed {seconds:.1f} s after SageMaker's completion ({unstarted} of the "
            "burst not yet started then)",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
