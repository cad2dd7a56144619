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
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from kubernetes_asyncio import client, config

from local_cluster import ControlPlane
from local_cluster.processes import log_tail, spawn, terminate

ROOT = Path(__file__).resolve().parents[1]
GROUP, VERSION, PLURAL = "sagemaker.aws.amazon.com", "v1", "trainingjobs"
NAMESPACE = "bench"


def proc_figures(pid: int) -> tuple[float, float]:
    """(peak RSS in MiB, CPU seconds) of a live process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kib = next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")
    )
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return peak_kib / 1024, cpu


def status_writes(audit_log: Path) -> int:
    count = 0
    for line in audit_log.read_text().splitlines():
        entry = json.loads(line)
        ref = entry.get("objectRef") or {}
        if (
            ref.get("resource") == PLURAL
            and ref.get("subresource") == "status"
            and entry.get("verb") in ("patch", "update")
        ):
            count += 1
    return count


async def start_emulator(folder: Path, time_scale: float) -> tuple[Any, str]:
    log = folder / "emulator.log"
    proc = await spawn(
        [sys.executable, "-m", "sagemaker_emulator", "--time-scale", str(time_scale)], log
    )
    async with asyncio.timeout(30):
        while "listening on " not in (text := log.read_text(errors="replace")):
            if proc.returncode is not None:
                raise RuntimeError(log_tail(log))
            await asyncio.sleep(0.1)
    return proc, text.split("listening on ", 1)[1].split()[0]


async def count_statuses(objects: Any) -> dict[str, int]:
    listed = await objects.list_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL)
    counts: dict[str, int] = {}
    for item in listed["items"]:
        status = (item.get("status") or {}).get("trainingJobStatus") or "none"
        counts[status] = counts.get(status, 0) + 1
    return counts


async def run_size(size: int, args: argparse.Namespace) -> dict[str, float]:
    sample = yaml.safe_load((ROOT / "config" / "samples" / "trainingjob.yaml").read_text())
    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    async with ControlPlane(audit=True) as plane:
        configuration = client.Configuration()
        await config.load_kube_config(str(plane.kubeconfig), client_configuration=configuration)
        configuration.connection_pool_maxsize = 64
        async with client.ApiClient(configuration) as api:
            extensions = client.ApiextensionsV1Api(api)
            crd = yaml.safe_load(
                (ROOT / "config/crd/bases/sagemaker.aws.amazon.com_trainingjobs.yaml").read_text()
            )
            await extensions.create_custom_resource_definition(crd)
            await client.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})
            await asyncio.sleep(2)  # let the CRD become Established and discoverable
            emulator, url = await start_emulator(folder, args.time_scale)
            operator = await spawn(
                [
                    sys.executable, "-m", "controller",
                    "--kubeconfig", str(plane.kubeconfig),
                    "--sagemaker-endpoint", url,
                    "--namespace", NAMESPACE,
                    "--metrics-bind-address", "0",
                    "--health-probe-bind-address", "0",
                    "--job-poll-interval", str(args.poll_interval),
                    "--max-concurrent-reconciles", str(args.concurrency),
                    "--sagemaker-request-budget", str(args.budget),
                    "--log-level", "warning",
                ],
                folder / "operator.log",
                env={"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"},
            )  # fmt: skip
            objects = client.CustomObjectsApi(api)
            await asyncio.sleep(2)  # the operator's informers list and sync
            gate = asyncio.Semaphore(32)

            async def create(index: int) -> None:
                body = {**sample, "metadata": {"name": f"job-{index:05d}"}}
                async with gate:
                    await objects.create_namespaced_custom_object(
                        GROUP, VERSION, NAMESPACE, PLURAL, body
                    )

            started = time.monotonic()
            await asyncio.gather(*(create(i) for i in range(size)))
            created = time.monotonic() - started
            in_progress = completed = float("nan")
            async with asyncio.timeout(args.timeout):
                while True:
                    counts = await count_statuses(objects)
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
            rss, cpu = proc_figures(operator.pid)
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
                session.get(f"{url}/_emulator/requests?limit=1") as response,
            ):
                requests = await response.json()
            await terminate(operator)
            await terminate(emulator)
            writes = status_writes(plane.audit_log)
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--time-scale", type=float, default=100.0)
    parser.add_argument("--poll-interval", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--budget", type=float, default=500.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
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
