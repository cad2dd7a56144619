"""kubectl smlogs on a long log and on an idle job: lines/s, peak memory, calls per minute.

The real stack: kube-apiserver + etcd, the SageMaker emulator in its own process, and the
plugin as its own process (`kubectl-smlogs`, what kubectl runs). Three figures:

- lines per second printed for a 100,000-line log of a completed two-instance job
  (output read and discarded by this process);
- the plugin's peak RSS on that log, beside its peak on a 10,000-line log: flat memory
  means the two are about equal (the reader holds a page per stream, never the log);
- CloudWatch Logs calls per minute while following an idle InProgress job, counted by the
  emulator's request log.

Run: .venv/bin/python benchmarks/bench_smlogs.py [--lines 100000] [--idle-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from local_cluster import ControlPlane
from local_cluster.processes import terminate
from local_stack.processes import DUMMY_AWS_ENV, start_emulator

ROOT = Path(__file__).resolve().parents[1]
CRDS = ROOT / "config" / "crd" / "bases"
GROUP = "/aws/sagemaker/TrainingJobs"
PLUGIN = Path(sys.executable).parent / "kubectl-smlogs"
LOG_OPERATIONS = ("DescribeLogStreams", "GetLogEvents", "FilterLogEvents")


@dataclass
class Run:
    lines: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    returncode: int


def run_plugin(argv: list[str], env: dict[str, str]) -> Run:
    """The plugin to its end, its stdout counted; its own peak RSS from wait4."""
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    lines = 0
    while chunk := process.stdout.read(1 << 16):
        lines += chunk.count(b"\n")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return Run(lines, time.monotonic() - started, usage.ru_maxrss / 1024, cpu, process.returncode)


async def admin(
    session: aiohttp.ClientSession, url: str, method: str, path: str, **body: Any
) -> Any:
    async with session.request(method, f"{url}/_emulator{path}", json=body or None) as response:
        response.raise_for_status()
        return await response.json()


async def write_log(session: aiohttp.ClientSession, url: str, job: str, lines: int) -> None:
    """Two instances' streams, their events interleaved, many in the same millisecond."""
    start = int(time.time() * 1000) - lines
    batch = 10_000
    for instance in (1, 2):
        stream = f"{job}/algo-{instance}-1700000000"
        for first in range(0, lines // 2, batch):
            events = [
                {
                    "timestamp": start + 2 * i + (instance - 1) * (i % 2),
                    "message": f"[{i}] epoch {i // 1000} batch {i % 1000}: loss=0.{i % 9973:04d}",
                }
                for i in range(first, min(first + batch, lines // 2))
            ]
            await admin(
                session, url, "POST", "/logs/events", group=GROUP, stream=stream, events=events
            )


async def kubectl(plane: ControlPlane, *args: str, stdin: str | None = None) -> None:
    process = await asyncio.create_subprocess_exec(
        *plane.kubectl_argv(),
        *args,
        stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
    )
    await asyncio.wait_for(process.communicate(stdin.encode() if stdin else None), 60)
    assert process.returncode == 0, f"kubectl {' '.join(args)} failed"


async def training_job(plane: ControlPlane, name: str, job: str, url: str, status: str) -> None:
    body = {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "TrainingJob",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            **yaml.safe_load((ROOT / "config/samples/trainingjob.yaml").read_text())["spec"],
            "region": "us-east-1",
            "sageMakerEndpoint": url,
        },
    }
    await kubectl(plane, "apply", "-f", "-", stdin=yaml.safe_dump(body))
    patch = {
        "status": {
            "sageMakerTrainingJobName": job,
            "trainingJobStatus": status,
            "secondaryStatus": "Training" if status == "InProgress" else status,
        }
    }
    await kubectl(
        plane, "patch", "trainingjob", name, "--subresource=status", "--type=merge",
        "-p", json.dumps(patch),
    )  # fmt: skip


async def follow_idle(
    session: aiohttp.ClientSession, url: str, env: dict[str, str], seconds: float
) -> dict[str, int]:
    process = await asyncio.create_subprocess_exec(
        str(PLUGIN), "trainingjob", "idle", "-f",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    # The first seconds print the log and settle into the idle rhythm; count after them.
    await asyncio.sleep(10)
    await admin(session, url, "DELETE", "/requests")
    await asyncio.sleep(seconds)
    counted = await admin(session, url, "GET", "/requests?limit=1")
    process.send_signal(signal.SIGINT)
    await asyncio.wait_for(process.wait(), 30)
    return {op: int(counted["by_operation"].get(op, 0)) for op in LOG_OPERATIONS}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-smlogs-"))
    plane = ControlPlane()
    await plane.start()
    emulator, url = await start_emulator(folder / "emulator.log", time_scale=1)
    try:
        await kubectl(plane, "apply", "-f", str(CRDS))
        await kubectl(plane, "wait", "--for=condition=Established", "crd", "--all")
        env = {
            "PATH": f"{PLUGIN.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(folder),
            "KUBECONFIG": str(plane.kubeconfig),
            "AWS_EC2_METADATA_DISABLED": "true",
            **DUMMY_AWS_ENV,
        }
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            small = args.lines // 10
            await write_log(session, url, "small-job", small)
            await write_log(session, url, "big-job", args.lines)
            await write_log(session, url, "idle-job", 20)
            await training_job(plane, "small", "small-job", url, "Completed")
            await training_job(plane, "big", "big-job", url, "Completed")
            await training_job(plane, "idle", "idle-job", url, "InProgress")
            small_run = await asyncio.to_thread(
                run_plugin, [str(PLUGIN), "trainingjob", "small"], env
            )
            await admin(session, url, "DELETE", "/requests")
            big_run = await asyncio.to_thread(run_plugin, [str(PLUGIN), "trainingjob", "big"], env)
            big_calls = await admin(session, url, "GET", "/requests?limit=1")
            idle = (
                await follow_idle(session, url, env, args.idle_seconds)
                if args.idle_seconds > 0
                else {}
            )
    finally:
        await terminate(emulator)
        await plane.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for run, wanted in ((big_run, args.lines), (small_run, small)):
        if run.returncode != 0 or run.lines != wanted:
            raise SystemExit(f"the plugin printed {run.lines} of {wanted} lines: {run}")
    per_minute = {op: n * 60 / args.idle_seconds for op, n in idle.items() if n}
    print(f"kubectl-smlogs trainingjob, a completed job with 2 streams, via {url}")
    print(
        f"  {args.lines} lines in {big_run.seconds:.2f} s: "
        f"{args.lines / big_run.seconds:,.0f} lines/s"
        f" (process start, apiserver read and {big_calls['total']} CloudWatch Logs calls included)"
    )
    print(
        f"  peak RSS: {big_run.peak_rss_mb:.1f} MB for {args.lines} lines, "
        f"{small_run.peak_rss_mb:.1f} MB for {small} lines"
    )
    print(f"  plugin CPU: {big_run.cpu_seconds:.2f} s for {args.lines} lines")
    if not idle:
        return
    print(f"following an idle InProgress job (2 streams) for {args.idle_seconds:.0f} s:")
    print(
        f"  CloudWatch Logs calls per minute: {sum(per_minute.values()):.1f} "
        f"({', '.join(f'{op} {rate:.1f}' for op, rate in per_minute.items())})"
    )


if __name__ == "__main__":
    asyncio.run(main())
