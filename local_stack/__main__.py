"""``make demo``: the whole stack on this machine, with the project's samples.

Starts a local kube-apiserver + etcd, the SageMaker emulator at a demo time scale and the
operator (the real ``sagemaker-operator`` command), installs the CRDs, applies the job
samples from ``config/samples/`` and shows ``kubectl get`` until they complete. Then it keeps
running for you to explore, until Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import yaml

from local_cluster import ControlPlane
from local_cluster.build import say
from local_cluster.processes import free_port, terminate
from local_stack.processes import start_emulator, start_operator
from reconcilers.kinds import STATUS_FIELDS
from sagemaker_emulator.testing import make_client

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "config" / "samples"
CRDS = ROOT / "config" / "crd" / "bases"
# The job kinds the operator reconciles today; hosting kinds come with their reconcilers.
JOB_SAMPLES = ("trainingjob", "hyperparametertuningjob", "batchtransformjob", "processingjob")
FINISHED = {"Completed", "Failed", "Stopped"}


async def _run(argv: list[str], *, check: bool = True, stdin: str | None = None) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 120)
    text = out.decode()
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed:\n{text}")
    return text


class Stack:
    """The control plane, the emulator and the operator, started and stopped together."""

    def __init__(self, folder: Path, time_scale: float, poll_interval: float) -> None:
        self.plane = ControlPlane()
        self.folder = folder
        self.time_scale = time_scale
        self.poll_interval = poll_interval
        self.emulator_url = ""
        self.metrics_port = free_port()
        self.health_port = free_port()
        self._emulator: asyncio.subprocess.Process | None = None
        self._operator: asyncio.subprocess.Process | None = None

    def kubectl(self, *args: str) -> list[str]:
        return [*self.plane.kubectl_argv(), *args]

    async def start(self) -> None:
        say("starting kube-apiserver and etcd (the first run builds them: minutes)")
        await self.plane.start()
        say(f"KUBECONFIG={self.plane.kubeconfig}")
        await self._start_emulator()
        say(f"SageMaker emulator at {self.emulator_url} (time x{self.time_scale:g})")
        await _run(self.kubectl("apply", "-f", str(CRDS)))
        await _run(self.kubectl("wait", "--for=condition=Established", "crd", "--all"))
        self._operator = await start_operator(
            self.plane.kubeconfig,
            self.emulator_url,
            self.folder / "operator.log",
            "--job-poll-interval", str(self.poll_interval),
            "--metrics-bind-address", f"127.0.0.1:{self.metrics_port}",
            "--health-probe-bind-address", f"127.0.0.1:{self.health_port}",
            "--log-format", "console",
        )  # fmt: skip
        say(
            f"operator running: metrics http://127.0.0.1:{self.metrics_port}/metrics, "
            f"log {self.folder / 'operator.log'}"
        )

    async def _start_emulator(self) -> None:
        self._emulator, self.emulator_url = await start_emulator(
            self.folder / "emulator.log", self.time_scale
        )

    async def stop(self) -> None:
        for proc in (self._operator, self._emulator):
            if proc is not None:
                await terminate(proc)
        await self.plane.stop()


async def _model_for_transform(stack: Stack) -> None:
    """The transform sample runs a model that must exist in SageMaker first.

    The Model kind's reconciler comes with the hosting work; until then the demo makes the
    model in the emulator directly, as someone would have in their AWS account.
    """
    spec = yaml.safe_load((SAMPLES / "batchtransformjob.yaml").read_text())["spec"]
    async with make_client(stack.emulator_url, "sagemaker", region=spec["region"]) as sagemaker:
        with contextlib.suppress(sagemaker.exceptions.ClientError):
            await sagemaker.create_model(
                ModelName=spec["modelName"],
                ExecutionRoleArn="arn:aws:iam::123456789012:role/service-role/SageMakerRole",
                PrimaryContainer={
                    "Image": "433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:1"
                },
            )


async def _statuses(stack: Stack) -> dict[str, str | None]:
    kinds = ",".join(f"{name}s" for name in JOB_SAMPLES)
    listed = yaml.safe_load(await _run(stack.kubectl("get", kinds, "-A", "-o", "yaml")))
    found: dict[str, str | None] = {}
    for item in listed.get("items") or []:
        field = STATUS_FIELDS[item["kind"]]
        found[f"{item['kind']}/{item['metadata']['name']}"] = (item.get("status") or {}).get(field)
    return found


async def demo(time_scale: float, poll_interval: float, until_complete: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    folder = Path(tempfile.mkdtemp(prefix="sagemaker-demo-"))
    stack = Stack(folder, time_scale, poll_interval)
    try:
        await stack.start()
        await _model_for_transform(stack)
        for name in JOB_SAMPLES:
            print(await _run(stack.kubectl("apply", "-f", str(SAMPLES / f"{name}.yaml"))), end="")
        started = time.monotonic()
        while not stop.is_set():
            table = await _run(stack.kubectl("get", "sagemaker"))
            print(f"\n--- kubectl get sagemaker ({time.monotonic() - started:.0f}s)\n{table}")
            statuses = await _statuses(stack)
            if len(statuses) >= len(JOB_SAMPLES) and set(statuses.values()) <= FINISHED:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 3)
        if stop.is_set():
            return 130
        failed = [name for name, status in statuses.items() if status != "Completed"]
        say(f"every sample finished in {time.monotonic() - started:.0f}s; not Completed: {failed}")
        if until_complete:
            return 1 if failed else 0
        say(
            f"the stack keeps running. In another shell:\n"
            f"  export KUBECONFIG={stack.plane.kubeconfig}\n"
            f"  alias kubectl={stack.plane.binary('kubectl')}\n"
            f"  kubectl get trainingjobs; kubectl describe trainingjob xgboost-mnist\n"
            f"Press Ctrl-C to stop everything."
        )
        await stop.wait()
        return 0
    finally:
        say("stopping the operator, the emulator, kube-apiserver and etcd")
        await stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
        say("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="local-stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=20.0,
        help="emulated SageMaker seconds per real second (default 20)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=2.0,
        help="the operator's job poll interval in seconds (default 2)",
    )
    parser.add_argument(
        "--until-complete",
        action="store_true",
        help="exit when every sample has finished (0 if all Completed)",
    )
    args = parser.parse_args(argv)
    return asyncio.run(demo(args.time_scale, args.poll_interval, args.until_complete))


if __name__ == "__main__":
    sys.exit(main())
