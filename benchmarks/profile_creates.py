"""Where the operator's time goes while N new TrainingJobs are taken to InProgress.

On a fresh local control plane and SageMaker emulator, the script first measures the
apiserver's own rate (a plain client creates N TrainingJobs in another namespace and
merge-patches each status once), then runs the real ``sagemaker-operator`` under py-spy,
creates N TrainingJobs and waits until all are InProgress. It prints both rates, their
ratio, and the operator's CPU samples grouped by what they were doing: the functions with
the most samples of their own, and the operator's and libraries' functions that the most
samples passed through.

Not run by ``make bench`` (it is a diagnosis, not a figure to track):

    .venv/bin/python benchmarks/profile_creates.py [--size 1000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from kubernetes_asyncio import client
from operator_stack import (
    GROUP,
    NAMESPACE,
    REQUEST_SECONDS,
    ROOT,
    VERSION,
    create_objects,
    emulator_request,
    install_crds,
    kube_api,
)

from local_cluster import ControlPlane
from local_cluster.processes import cpu_seconds, spawn, terminate
from local_stack.processes import DUMMY_AWS_ENV, start_emulator

PLURAL = "trainingjobs"
# Every kind's CRD: the operator watches them all, and a kind it cannot list for longer than
# its cache sync timeout (120 s) makes it exit.
PLURALS = sorted(
    path.name.removeprefix(f"{GROUP}_").removesuffix(".yaml")
    for path in (ROOT / "config" / "crd" / "bases").glob("*.yaml")
)
RAW_NAMESPACE = "bench-raw"
_AT_ONCE = 32
_TOP = 18
_BOUND_SECONDS = 900.0


async def raw_rate(objects: Any, sample: dict[str, Any], size: int) -> float:
    """Objects per second a plain client creates and status-patches (32 requests in flight)."""
    names = [f"raw-{i:05d}" for i in range(size)]
    started = time.monotonic()
    await create_objects(
        objects, RAW_NAMESPACE, PLURAL, ({**sample, "metadata": {"name": n}} for n in names)
    )
    gate = asyncio.Semaphore(_AT_ONCE)

    async def patch(name: str) -> None:
        async with gate:
            await objects.patch_namespaced_custom_object_status(
                GROUP, VERSION, RAW_NAMESPACE, PLURAL, name,
                {"status": {"trainingJobStatus": "InProgress"}},
                _content_type="application/merge-patch+json", _request_timeout=REQUEST_SECONDS,
            )  # fmt: skip

    await asyncio.gather(*(patch(name) for name in names))
    return size / (time.monotonic() - started)


async def in_progress(objects: Any, size: int) -> None:
    # Once a second, not faster: listing every object is load on the apiserver measured.
    while True:
        await asyncio.sleep(1.0)
        try:
            listed = await objects.list_namespaced_custom_object(
                GROUP, VERSION, NAMESPACE, PLURAL, _request_timeout=REQUEST_SECONDS
            )
        except TimeoutError:
            continue  # a loaded machine: ask again
        done = sum(
            (item.get("status") or {}).get("trainingJobStatus") in ("InProgress", "Completed")
            for item in listed["items"]
        )
        if done == size:
            return


def operator_pid(spy: int) -> int:
    """The operator: py-spy's child process."""
    children = Path(f"/proc/{spy}/task/{spy}/children").read_text().split()
    return int(children[0])


def summary(raw: Path) -> tuple[int, Counter[str], Counter[str]]:
    """Samples; samples per innermost function; samples per function anywhere on the stack."""
    own: Counter[str] = Counter()
    through: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [_short(frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            through[frame] += count
    return total, own, through


def _short(frame: str) -> str:
    """``name (path/to/module.py:12)`` -> ``name (module.py)``: lines apart, one function."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0]
    parts = Path(path).parts
    tail = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{name} ({tail})"


def _interesting(frame: str) -> bool:
    """Frames that say something: not the event loop, asyncio or import machinery."""
    boring = ("asyncio/", "<frozen", "selectors.py", "threading.py", "runpy.py", "(<string>)")
    return not any(mark in frame for mark in boring)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--budget", type=float, default=1000.0)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    args = parser.parse_args()
    sample = yaml.safe_load((ROOT / "config" / "samples" / "trainingjob.yaml").read_text())
    folder = Path(tempfile.mkdtemp(prefix="profile-creates-"))
    spy_bin = Path(sys.executable).with_name("py-spy")
    async with ControlPlane() as plane, kube_api(plane.kubeconfig) as api:
        await install_crds(api, PLURALS, [NAMESPACE, RAW_NAMESPACE])
        objects = client.CustomObjectsApi(api)
        apiserver = await raw_rate(objects, sample, args.size)
        emulator, url = await start_emulator(folder / "emulator.log", 100.0)
        argv = [
            str(spy_bin), "record", "--format", "raw", "--rate", str(args.rate),
            "--output", str(folder / "profile.txt"), "--",
            sys.executable, "-m", "controller", "--kubeconfig", str(plane.kubeconfig),
            "--sagemaker-endpoint", url, "--namespace", NAMESPACE,
            "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
            "--log-level", "warning", "--job-poll-interval", "600",
            "--max-concurrent-reconciles", str(args.concurrency),
            "--sagemaker-request-budget", str(args.budget),
        ]  # fmt: skip
        spy = await spawn(argv, folder / "operator.log", env=DUMMY_AWS_ENV)
        try:
            await asyncio.sleep(3)  # the operator starts and its informers sync
            pid = operator_pid(spy.pid)
            etcd, apiserver_pid = plane.pids
            processes = {"operator": pid, "emulator": emulator.pid, "kube-apiserver": apiserver_pid,
                         "etcd": etcd}  # fmt: skip
            cpu_before = {name: cpu_seconds(p) for name, p in processes.items()}
            started = time.monotonic()
            bodies = ({**sample, "metadata": {"name": f"job-{i:05d}"}} for i in range(args.size))
            await create_objects(objects, NAMESPACE, PLURAL, bodies)
            async with asyncio.timeout(_BOUND_SECONDS):
                await in_progress(objects, args.size)
            seconds = time.monotonic() - started
            cpu = {name: cpu_seconds(p) - cpu_before[name] for name, p in processes.items()}
            calls = (await emulator_request(url, "GET", "requests?limit=1"))["by_operation"]
            os.kill(pid, signal.SIGTERM)  # py-spy writes its profile when its child exits
            async with asyncio.timeout(60):
                await spy.wait()
        finally:
            with contextlib.suppress(ProcessLookupError):
                await terminate(spy)
            await terminate(emulator)
    operator = args.size / seconds
    print(f"{args.size} TrainingJobs, {args.concurrency} workers, budget {args.budget:g} req/s")
    print(f"  apiserver, plain client (create + status patch): {apiserver:7.1f} objects/s")
    print(
        f"  operator, apply -> all InProgress:               {operator:7.1f} objects/s "
        f"({seconds:.1f} s, ratio {operator / apiserver:.2f})"
    )
    used = ", ".join(f"{name} {value:.1f}" for name, value in cpu.items())
    print(f"  CPU seconds meanwhile: {used}")
    per_job = ", ".join(f"{op} {int(n) / args.size:.2f}" for op, n in sorted(calls.items()))
    print(f"  SageMaker calls per job: {per_job}")
    total, own, through = summary(folder / "profile.txt")
    print(f"\nCPU samples: {total} (profile: {folder / 'profile.txt'})")
    print("most samples of their own:")
    for frame, count in own.most_common(_TOP):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("most samples passing through (event loop and asyncio left out):")
    shown = [(f, c) for f, c in through.most_common() if _interesting(f)][:_TOP]
    for frame, count in shown:
        print(f"  {100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    asyncio.run(main())
