"""``make demo``: the whole stack on this machine, with the project's samples.

Starts a local kube-apiserver + etcd, the SageMaker emulator at a demo time scale and the
operator (the real ``sagemaker-operator`` command), installs the CRDs, applies every sample
from ``config/samples/`` and shows ``kubectl get`` until they settle: the jobs Completed,
the Model and EndpointConfig Created, the HostingDeployment InService (and invoked once
through the emulator's runtime API), its autoscaling policy Created. Then it keeps running
for you to explore, until Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from apis.kinds import ALL_KINDS
from local_cluster import ControlPlane
from local_cluster.build import say
from local_cluster.processes import free_port, terminate
from local_stack.processes import start_emulator, start_operator
from reconcilers.kinds import STATUS_FIELDS
from sagemaker_emulator.testing import make_client

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "config" / "samples"
CRDS = ROOT / "config" / "crd" / "bases"
JOB_SAMPLES = ("trainingjob", "hyperparametertuningjob", "processingjob")
# Where each kind's status ends up when all went well.
SETTLED = {
    "TrainingJob": "Completed",
    "HyperparameterTuningJob": "Completed",
    "BatchTransformJob": "Completed",
    "ProcessingJob": "Completed",
    "Model": "Created",
    "EndpointConfig": "Created",
    "HostingDeployment": "InService",
    "HostingAutoscalingPolicy": "Created",
}
FAILED = {"Failed", "Stopped"}
ALL_PLURALS = ",".join(info.plural for info in ALL_KINDS)


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
        # Discovery lists a new CRD's category a moment after it is Established.
        async with asyncio.timeout(30):
            for attempt in itertools.count():
                listed = await _run(self.kubectl("get", "sagemaker", "-A"), check=False)
                if "error" not in listed:
                    break
                await asyncio.sleep(min(0.1 * 2**attempt, 1.0))
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


def _sample(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SAMPLES / f"{name}.yaml").read_text())
    return document


async def _apply(stack: Stack, document: dict[str, Any]) -> None:
    print(await _run(stack.kubectl("apply", "-f", "-"), stdin=yaml.safe_dump(document)), end="")


async def _resources(stack: Stack) -> list[dict[str, Any]]:
    listed = yaml.safe_load(await _run(stack.kubectl("get", ALL_PLURALS, "-A", "-o", "yaml")))
    items: list[dict[str, Any]] = listed.get("items") or []
    return items


async def _status_of(stack: Stack, kind: str, name: str) -> dict[str, Any]:
    for item in await _resources(stack):
        if (item["kind"], item["metadata"]["name"]) == (kind, name):
            status: dict[str, Any] = item.get("status") or {}
            return status
    return {}


async def _wait_for(stack: Stack, kind: str, name: str, stop: asyncio.Event) -> dict[str, Any]:
    """The resource's status once it has settled (or failed); {} if the demo is stopped."""
    while not stop.is_set():
        status = await _status_of(stack, kind, name)
        if status.get(STATUS_FIELDS[kind]) in {SETTLED[kind], *FAILED}:
            return status
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1)
    return {}


async def _invoke(stack: Stack, status: dict[str, Any], region: str) -> None:
    """One request to the endpoint, as `aws sagemaker-runtime invoke-endpoint` would send."""
    endpoint = status["endpointName"]
    body = ",".join(str(n) for n in range(1, 785))
    say(
        f"invoking {endpoint} through the emulator's sagemaker-runtime API "
        "(aws sagemaker-runtime invoke-endpoint --content-type text/csv --body 1,2,...,784)"
    )
    async with make_client(stack.emulator_url, "sagemaker-runtime", region=region) as runtime:
        answer = await runtime.invoke_endpoint(
            EndpointName=endpoint, Body=body.encode(), ContentType="text/csv"
        )
        prediction = (await answer["Body"].read()).decode()
    say(f"{answer['InvokedProductionVariant']} answered: {prediction}")


async def _apply_samples(stack: Stack, stop: asyncio.Event) -> dict[str, Any]:
    """Every sample; those naming another resource's SageMaker object get it from its status,
    as a user reads it from `kubectl get`. Returns the HostingDeployment's status."""
    for name in JOB_SAMPLES:
        await _apply(stack, _sample(name))
    model = _sample("model")
    await _apply(stack, model)
    model_name = (await _wait_for(stack, "Model", model["metadata"]["name"], stop)).get(
        "sageMakerModelName"
    )
    say(f"the Model resource made SageMaker model {model_name}; the transform job runs it")
    for name in ("batchtransformjob", "endpointconfig"):
        document = _sample(name)
        document["spec"]["region"] = model["spec"]["region"]
        if name == "batchtransformjob":
            document["spec"]["modelName"] = model_name
        else:
            for variant in document["spec"]["productionVariants"]:
                variant["modelName"] = model_name
        await _apply(stack, document)
    hosting = _sample("hostingdeployment")
    await _apply(stack, hosting)
    status = await _wait_for(stack, "HostingDeployment", hosting["metadata"]["name"], stop)
    if status.get("endpointStatus") == "InService":
        await _invoke(stack, status, hosting["spec"]["region"])
        policy = _sample("hostingautoscalingpolicy")
        policy["spec"]["region"] = hosting["spec"]["region"]
        for target in policy["spec"]["resourceId"]:
            target["endpointName"] = status["endpointName"]
        await _apply(stack, policy)
    return status


async def demo(time_scale: float, poll_interval: float, until_complete: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    folder = Path(tempfile.mkdtemp(prefix="sagemaker-demo-"))
    stack = Stack(folder, time_scale, poll_interval)
    try:
        await stack.start()
        started = time.monotonic()
        applying = asyncio.create_task(_apply_samples(stack, stop))
        unsettled: list[str] = []
        while not stop.is_set():
            table = await _run(stack.kubectl("get", "sagemaker", "-A"))
            print(f"\n--- kubectl get sagemaker -A ({time.monotonic() - started:.0f}s)\n{table}")
            statuses = {
                f"{item['kind']}/{item['metadata']['name']}": (item.get("status") or {}).get(
                    STATUS_FIELDS[item["kind"]]
                )
                for item in await _resources(stack)
            }
            unsettled = [
                name for name, value in statuses.items() if value != SETTLED[name.split("/")[0]]
            ]
            kinds = {name.split("/")[0] for name in statuses}
            finished = all(
                value in {SETTLED[name.split("/")[0]], *FAILED} for name, value in statuses.items()
            )
            # Every kind there (a tuning job adds its TrainingJobs), and each one settled.
            if applying.done() and kinds == set(SETTLED) and finished:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 3)
        applying.cancel()
        await asyncio.gather(applying, return_exceptions=True)
        if stop.is_set():
            return 130
        applying.result()
        say(f"every sample settled in {time.monotonic() - started:.0f}s; not settled: {unsettled}")
        if until_complete:
            return 1 if unsettled else 0
        say(
            f"the stack keeps running. In another shell:\n"
            f"  export KUBECONFIG={stack.plane.kubeconfig}\n"
            f"  alias kubectl={stack.plane.binary('kubectl')}\n"
            f"  kubectl get sagemaker; kubectl describe hostingdeployment host-xgboost\n"
            f"  # the training job's logs, read from the emulator's CloudWatch Logs:\n"
            f"  export PATH={Path(sys.executable).parent}:$PATH "
            f"AWS_DEFAULT_SAGEMAKER_ENDPOINT={stack.emulator_url}\n"
            f"  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local\n"
            f"  kubectl smlogs trainingjob xgboost-mnist\n"
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
        help="exit when every sample has settled (0 if all settled as they should)",
    )
    args = parser.parse_args(argv)
    return asyncio.run(demo(args.time_scale, args.poll_interval, args.until_complete))


if __name__ == "__main__":
    sys.exit(main())
