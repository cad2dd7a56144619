"""HostingDeployments through the whole stack: apply -> InService, then an idle stretch.

For each size N, on a fresh local control plane (audit on) and a fresh SageMaker emulator
process, with the real ``sagemaker-operator`` command as a third process, the script
applies N copies of ``config/samples/hostingdeployment.yaml`` at once and prints:

- seconds from the first create to every ``status.endpointStatus`` InService (the
  emulator keeps an endpoint Creating for 240 emulated seconds: 2.4 s at x100),
- SageMaker calls per deployment up to then, in all and by operation (the emulator's
  request log), and status writes per deployment (the apiserver's audit log),
- the operator's peak RSS and CPU seconds at that point.

Then the idle phase: with every endpoint InService it waits --idle-periods drift periods
(--drift-check-interval, 5 s by default here so the wait is short) and prints what the
operator did meanwhile: SageMaker calls per InService endpoint per drift period, what that
comes to per endpoint per idle hour at the operator's default drift period of 600 s, and
status writes (there should be none). For comparison it prints the old Go operator's cost,
720 DescribeEndpoint calls per endpoint per idle hour: computed from its 5 s poll
interval, not measured.

Run: .venv/bin/python benchmarks/bench_hosting.py [--sizes 100 300] [--time-scale 100]
Loopback only; the wait for InService is bounded by --timeout seconds per size. The script
exits non-zero when an endpoint fails, the operator exits or the timeout passes; timings
are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from typing import Any

import yaml
from operator_stack import ROOT, Stack, running_stack, stack_parser

PLURAL = "hostingdeployments"
STATUS_FIELD, IN_SERVICE = "endpointStatus", "InService"
DEFAULT_DRIFT_PERIOD = 600.0  # the operator's --drift-check-interval default
OLD_OPERATOR_POLL = 5.0  # the Go operator described every endpoint this often, settled or not


class BenchFailure(RuntimeError):
    """The deployments did not all reach InService; the message says what was seen."""


def difference(after: dict[str, int], before: dict[str, int]) -> Counter[str]:
    change = Counter(after)
    change.subtract(before)
    return +change  # drops what did not grow


async def wait_in_service(stack: Stack, size: int, seconds: float) -> None:
    counts: dict[str, int] = {}
    try:
        async with asyncio.timeout(seconds):
            while True:
                counts = await stack.status_counts(STATUS_FIELD)
                if counts.get(IN_SERVICE, 0) == size:
                    return
                if counts.get("Failed"):
                    raise BenchFailure(f"endpoints failed: {counts}; log {stack.operator_log}")
                if stack.operator.returncode is not None:
                    raise BenchFailure(
                        f"the operator exited ({stack.operator.returncode}) with {counts}; "
                        f"log {stack.operator_log}"
                    )
                await asyncio.sleep(0.25)
    except TimeoutError:
        raise BenchFailure(
            f"not all {size} endpoints InService after {seconds:g} s: {counts}; "
            f"log {stack.operator_log}"
        ) from None


async def errors_by_operation(stack: Stack, snapshot: dict[str, Any]) -> dict[str, int]:
    """``{"Operation ErrorCode": n}`` over the first ``snapshot["total"]`` requests."""
    if not snapshot["by_error"]:
        return {}
    logged = await stack.emulator_get("requests?limit=1000000")
    dropped = logged["total"] - len(logged["recent"])  # the log keeps the latest 100,000
    return dict(
        Counter(
            f"{entry['operation']} {entry['error_code']}"
            for entry in logged["recent"][: snapshot["total"] - dropped]
            if entry["error_code"]
        )
    )


def shortest_describe_gap(logged: dict[str, Any], since: int) -> float:
    """Fewest seconds between two DescribeEndpoint calls on one endpoint, the later one among
    the requests after the first ``since`` (a whole log, ``requests?limit=`` its total)."""
    last: dict[str, float] = {}
    shortest = float("inf")
    dropped = logged["total"] - len(logged["recent"])  # the log keeps the latest 100,000
    for index, entry in enumerate(logged["recent"], start=dropped):
        if entry["operation"] != "DescribeEndpoint":
            continue
        name, at = str(entry["resource"]), float(entry["at"])
        if index >= since and name in last:
            shortest = min(shortest, at - last[name])
        last[name] = at
    return shortest


async def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    sample = yaml.safe_load((ROOT / "config" / "samples" / "hostingdeployment.yaml").read_text())
    flags = (
        "--job-poll-interval", str(args.poll_interval),
        "--drift-check-interval", str(args.drift_interval),
        "--max-concurrent-reconciles", str(args.concurrency),
        "--sagemaker-request-budget", str(args.budget),
    )  # fmt: skip
    async with running_stack(PLURAL, args.time_scale, flags, "bench-hosting-") as stack:
        emulator = await stack.emulator_get("status")
        started = time.monotonic()
        await stack.create_all(sample, (f"hd-{i:05d}" for i in range(size)))
        created = time.monotonic() - started
        await wait_in_service(stack, size, args.timeout)
        in_service = time.monotonic() - started
        rss, cpu = stack.operator_usage()
        to_service = await stack.emulator_get("requests?limit=1")
        writes = stack.status_writes()

        # The idle phase: nothing is moving, so only drift checks should reach SageMaker.
        idle_started = time.monotonic()
        idle_seconds = args.idle_periods * args.drift_interval
        errors = await errors_by_operation(stack, to_service)
        await asyncio.sleep(idle_seconds - (time.monotonic() - idle_started))
        idle_rss, idle_cpu = stack.operator_usage()
        after = await stack.emulator_get("requests?limit=1000000")
        idle_writes = stack.status_writes() - writes
        still = await stack.status_counts(STATUS_FIELD)
        log = stack.operator_log
    idle_by_resource = difference(after["by_resource"], to_service["by_resource"])
    return {
        "endpoint_creating": emulator["timings"]["endpoint_creating"],
        "create_seconds": created,
        "to_in_service_seconds": in_service,
        "calls_per_hd": to_service["total"] / size,
        "calls_by_operation": to_service["by_operation"],
        "errors": errors,
        "status_writes_per_hd": writes / size,
        "operator_peak_rss_mib": rss,
        "operator_cpu_seconds": cpu,
        "idle_seconds": idle_seconds,
        "idle_calls": after["total"] - to_service["total"],
        "idle_by_operation": difference(after["by_operation"], to_service["by_operation"]),
        "idle_errors": difference(after["by_error"], to_service["by_error"]),
        "idle_endpoints_checked": len(idle_by_resource),
        "idle_most_on_one": max(idle_by_resource.values(), default=0),
        "idle_shortest_gap": shortest_describe_gap(after, to_service["total"]),
        "idle_status_writes": idle_writes,
        "idle_cpu_seconds": idle_cpu - cpu,
        "idle_peak_rss_mib": idle_rss,
        "statuses_after_idle": still,
        "operator_log": log,
    }


def by_operation(counts: dict[str, int], per: int = 1) -> str:
    """``Op n, ...`` by name; divided by ``per`` (two decimals) unless ``per`` is 1."""
    return (
        ", ".join(
            f"{op} {n / per:.2f}" if per != 1 else f"{op} {n}" for op, n in sorted(counts.items())
        )
        or "none"
    )


def report(size: int, r: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"{size:>6} {r['create_seconds']:>9.1f} {r['to_in_service_seconds']:>14.1f} "
        f"{r['calls_per_hd']:>9.2f} {r['status_writes_per_hd']:>10.2f} "
        f"{r['operator_peak_rss_mib']:>13.1f} {r['operator_cpu_seconds']:>7.1f}"
    )
    indent = " " * 7
    print(
        f"{indent}endpoint Creating: {r['endpoint_creating']:g} emulated s = "
        f"{r['endpoint_creating'] / args.time_scale:g} s"
    )
    print(f"{indent}calls/hd by operation: {by_operation(r['calls_by_operation'], size)}")
    if r["errors"]:
        print(f"{indent}error answers among them (in all, not per hd): {by_operation(r['errors'])}")
    periods, calls = args.idle_periods, r["idle_calls"]
    per_period = calls / size / periods
    print(
        f"{indent}idle, {periods} drift periods of {args.drift_interval:g} s "
        f"({r['idle_seconds']:g} s), {size} endpoints InService: {calls} calls "
        f"({by_operation(r['idle_by_operation'])}), "
        f"{r['idle_status_writes']} status writes, operator CPU {r['idle_cpu_seconds']:.1f} s "
        f"(peak RSS {r['idle_peak_rss_mib']:.1f} MiB after it)"
    )
    if r["idle_errors"]:
        print(f"{indent}idle errors answered: {dict(sorted(r['idle_errors'].items()))}")
    print(
        f"{indent}idle calls per InService endpoint per drift period: {per_period:.2f} "
        f"({r['idle_endpoints_checked']} endpoints called, at most "
        f"{r['idle_most_on_one']} calls on one in the {r['idle_seconds']:g} s)"
    )
    print(
        f"{indent}shortest time between two DescribeEndpoint calls on one endpoint while idle: "
        f"{r['idle_shortest_gap']:.1f} s (drift period {args.drift_interval:g} s)"
    )
    hour = 3600 / DEFAULT_DRIFT_PERIOD
    print(
        f"{indent}idle hour per InService endpoint at the default {DEFAULT_DRIFT_PERIOD:g} s "
        f"drift period: {per_period * hour:.1f} calls ({per_period:.2f} x 3600/"
        f"{DEFAULT_DRIFT_PERIOD:g})"
    )
    print(
        f"{indent}old Go operator, idle hour per endpoint: {3600 / OLD_OPERATOR_POLL:.0f} "
        f"DescribeEndpoint (computed from its {OLD_OPERATOR_POLL:g} s poll interval, "
        "not measured)"
    )
    if r["statuses_after_idle"] != {IN_SERVICE: size}:
        print(f"{indent}statuses after the idle phase: {r['statuses_after_idle']}")
    print(f"{indent}operator log: {r['operator_log']}", flush=True)


async def main() -> int:
    parser = stack_parser(__doc__ or "", sizes=[100], timeout=600.0)
    parser.add_argument(
        "--drift-check-interval",
        "--drift-interval",
        dest="drift_interval",
        type=float,
        default=5.0,
        help="how often the operator checks a settled endpoint (its own default is 600)",
    )
    parser.add_argument("--idle-periods", type=int, default=3)
    args = parser.parse_args()
    print(
        f"HostingDeployments through the operator (time scale x{args.time_scale:g}, poll "
        f"{args.poll_interval:g}s, drift check {args.drift_interval:g}s, {args.concurrency} "
        f"workers, budget {args.budget:g} req/s)"
    )
    print(
        f"{'hds':>6} {'create s':>9} {'->InService s':>14} {'calls/hd':>9} {'writes/hd':>10} "
        f"{'peak RSS MiB':>13} {'CPU s':>7}",
        flush=True,
    )
    for size in args.sizes:
        try:
            r = await run_size(size, args)
        except BenchFailure as failure:
            print(f"{size:>6} FAILED: {failure}", file=sys.stderr, flush=True)
            return 1
        report(size, r, args)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
