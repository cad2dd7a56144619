"""The operator's resident memory idle (no resources) and holding N cached TrainingJobs.

For each size N, on a fresh local control plane, the script creates N TrainingJobs straight
in the apiserver (the sample with a kubectl last-applied annotation, as `kubectl apply`
leaves it, then the status the operator writes for a job in progress), then starts the real
``sagemaker-operator`` command watching that namespace, waits for /readyz (every informer
synced), lets it settle, and prints its resident memory (VmRSS) and peak (VmHWM).

The operator's SageMaker endpoint is a closed loopback port: the jobs cost no emulator
work, every reconcile fails fast and is retried with backoff, and what is measured is the
floor plus what the operator holds per cached object (caches, queues, one SageMaker
client), not a run's transient load (see bench_jobs.py for that).

Run: .venv/bin/python benchmarks/bench_idle_memory.py [--sizes 0 1000 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from kubernetes_asyncio import client
from operator_stack import (
    GROUP,
    NAMESPACE,
    REQUEST_SECONDS,
    ROOT,
    create_objects,
    install_crds,
    kube_api,
)

from local_cluster import ControlPlane
from local_cluster.processes import peak_rss_mib, terminate
from local_stack.processes import start_operator

PLURALS = sorted(
    path.name.removeprefix(f"{GROUP}_").removesuffix(".yaml")
    for path in (ROOT / "config" / "crd" / "bases").glob("*.yaml")
)
_READY_SECONDS = 600.0
_SETTLE_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def training_job(sample: dict[str, Any], index: int) -> dict[str, Any]:
    """The sample as `kubectl apply` would create it, named ``job-<index>``."""
    name = f"job-{index:05d}"
    applied = {**sample, "metadata": {"name": name, "namespace": NAMESPACE}}
    return {
        **sample,
        "metadata": {
            "name": name,
            "labels": {"app": "bench", "index": str(index)},
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied),
            },
        },
    }


def running_status(name: str) -> dict[str, Any]:
    """What the operator writes for a training job in progress."""
    when = "2026-11-29T13:45:12Z"
    job = f"{name}-0123456789abcdef"
    return {
        "trainingJobStatus": "InProgress",
        "secondaryStatus": "Training",
        "sageMakerTrainingJobName": job,
        "trainingJobArn": f"arn:aws:sagemaker:us-west-2:123456789012:training-job/{job}",
        "lastCheckTime": when,
        "cloudWatchLogUrl": "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region="
        f"us-west-2#logStream:group=/aws/sagemaker/TrainingJobs;prefix={job};streamFilter=typeLogStreamPrefix",
        "observedGeneration": 1,
        "conditions": [
            {"type": "Synced", "status": "True", "reason": "InProgress", "message": "",
             "lastTransitionTime": when, "observedGeneration": 1},
            {"type": "Ready", "status": "False", "reason": "InProgress",
             "message": "training is in progress", "lastTransitionTime": when,
             "observedGeneration": 1},
        ],
    }  # fmt: skip


async def write_statuses(objects: Any, size: int) -> None:
    """Give every job the status the operator would have written (a second manager entry)."""
    gate = asyncio.Semaphore(32)

    async def patch(index: int) -> None:
        name = f"job-{index:05d}"
        async with gate:
            await objects.patch_namespaced_custom_object_status(
                GROUP, "v1", NAMESPACE, "trainingjobs", name,
                {"status": running_status(name)},
                _content_type="application/merge-patch+json",
                _request_timeout=REQUEST_SECONDS,
            )  # fmt: skip

    await asyncio.gather(*(patch(i) for i in range(size)))


def current_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")


async def wait_ready(port: int, operator: asyncio.subprocess.Process) -> float:
    """Seconds until /readyz answers 200 (every informer synced)."""
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with asyncio.timeout(_READY_SECONDS):
            while True:
                if operator.returncode is not None:
                    raise RuntimeError(f"the operator exited with {operator.returncode}")
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                        if response.status == 200:
                            return time.monotonic() - started
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)


async def measure(size: int) -> dict[str, float]:
    sample = yaml.safe_load((ROOT / "config" / "samples" / "trainingjob.yaml").read_text())
    folder = Path(tempfile.mkdtemp(prefix="bench-idle-memory-"))
    async with ControlPlane() as plane, kube_api(plane.kubeconfig) as api:
        await install_crds(api, PLURALS, [NAMESPACE])
        objects = client.CustomObjectsApi(api)
        bodies = (training_job(sample, i) for i in range(size))
        await create_objects(objects, NAMESPACE, "trainingjobs", bodies)
        await write_statuses(objects, size)
        port = free_port()
        operator = await start_operator(
            plane.kubeconfig,
            f"http://127.0.0.1:{free_port()}",  # nothing listens: no SageMaker work
            folder / "operator.log",
            "--namespace", NAMESPACE,
            "--metrics-bind-address", "0",
            "--health-probe-bind-address", f"127.0.0.1:{port}",
            "--log-level", "error",
            "--sagemaker-request-budget", "1",
        )  # fmt: skip
        try:
            ready = await wait_ready(port, operator)
            await asyncio.sleep(_SETTLE_SECONDS)
            rss, peak = current_rss_mib(operator.pid), peak_rss_mib(operator.pid)
        finally:
            await terminate(operator)
    return {"size": size, "ready_seconds": ready, "rss_mib": rss, "peak_rss_mib": peak}


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000])
    args = parser.parse_args()
    print("operator memory holding N TrainingJobs (no SageMaker work; VmRSS after settling)")
    print(f"{'jobs':>6} {'ready s':>8} {'RSS MiB':>8} {'peak MiB':>9} {'KiB/job over idle':>18}")
    idle: float | None = None
    for size in args.sizes:
        r = await measure(size)
        if size == 0:
            idle = r["rss_mib"]
        per_job = (
            f"{(r['rss_mib'] - idle) * 1024 / size:>18.1f}" if idle is not None and size else ""
        )
        print(
            f"{size:>6} {r['ready_seconds']:>8.1f} {r['rss_mib']:>8.1f} "
            f"{r['peak_rss_mib']:>9.1f} {per_job}",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
