"""No AWS secret key or session token in any log line, whatever goes wrong.

Every process here runs with distinctive AWS credentials in its environment, and every line
it logs is searched for the secret key and the token, and for the first characters of each,
which is what a truncated repr of a local variable would show.

* A reconcile fails from a frame whose locals hold the credentials, as botocore's signer
  frames do (the manager CLI with a test reconciler, at debug and info level, both
  formats). Its failure is logged as one line with the error's type and message; the
  traceback, without locals, only at debug level; a repeat of the same error, not at all.
* The real ``sagemaker-operator`` command, at debug level, against the real apiserver
  (through a TCP proxy that can break its connections) and the SageMaker emulator:
  TrainingJobs run while every SageMaker fault kind the emulator knows hits them in turn;
  then the apiserver link flaps (a partition whose new connections are reset every half
  second), so status writes fail inside reconciles and those errors reach the log.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from kubernetes_asyncio import client

from chaos.tcp_proxy import StallingProxy
from local_cluster import ControlPlane
from local_cluster.processes import spawn
from local_stack.processes import start_operator
from sagemaker_emulator.testing import RunningEmulator, running_emulator
from tests.controller.kube_helpers import create_object
from tests.reconcilers.harness import Kube, sample

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.cluster

SECRET_KEY = "LeakCanarySecret0" + uuid.uuid4().hex[:23]  # 40 characters, like AWS's
SESSION_TOKEN = "LeakCanaryToken0" + uuid.uuid4().hex * 6
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIALEAKCANARY000001",  # not a secret: it is in every signature
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_SESSION_TOKEN": SESSION_TOKEN,
    "AWS_EC2_METADATA_DISABLED": "true",
}
FORBIDDEN = (SECRET_KEY, SESSION_TOKEN, SECRET_KEY[:12], SESSION_TOKEN[:12], SESSION_TOKEN[-24:])
SAGEMAKER_FAULTS = (
    "throttle",
    "http500",
    "http503",
    "drop",
    "drop_response",
    "access_denied",
    "expired_token",
    "unrecognized_client",
    "invalid_signature",
    "clock_skew",
)
JOBS = ("leak-a", "leak-b")
LATE_JOB = "leak-late"
# Emulated seconds per real second: a 230 s training job runs for over a minute, long
# enough for every fault to meet a poll.
TIME_SCALE = 3.0


@pytest_asyncio.fixture(loop_scope="session")
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(time_scale=TIME_SCALE) as emu:
        yield emu


def routed_kubeconfig(plane: ControlPlane, url: str, folder: Path) -> Path:
    config: dict[str, Any] = yaml.safe_load(plane.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = url
    path = folder / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


async def faults_used_up(emulator: RunningEmulator) -> bool:
    return not emulator.control.status()["faults"]


async def wait_until(check: Any, seconds: float, what: str) -> None:
    async with asyncio.timeout(seconds):
        while not await check():
            await asyncio.sleep(0.1)


def leaks(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if any(secret in line for secret in FORBIDDEN)]


@pytest.mark.parametrize(
    ("log_format", "level"), [("json", "debug"), ("console", "debug"), ("json", "info")]
)
async def test_a_reconcile_failing_with_credentials_in_its_frames_logs_neither(
    widget_cluster: ControlPlane,
    api: client.ApiClient,
    namespace: str,
    tmp_path: Path,
    log_format: str,
    level: str,
) -> None:
    for name in ("a", "b"):
        await create_object(api, namespace, name)
    log = tmp_path / "candidate.log"
    argv = [
        sys.executable, "-m", "tests.controller.candidate",
        "--kubeconfig", str(widget_cluster.kubeconfig),
        "--namespace", namespace,
        "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0",
        "--log-level", level,
        "--log-format", log_format,
    ]  # fmt: skip
    env = {**CREDENTIALS, "CANDIDATE_FAIL_HOLDING_CREDENTIALS": "1", "PYTHONPATH": str(REPO)}
    process = await spawn(argv, log, env=env)

    async def failed_repeatedly() -> bool:
        return log.read_text(errors="replace").count("candidate_reconcile") >= 8

    try:
        await wait_until(failed_repeatedly, 60, "repeated failures")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)

    assert not leaks(log), leaks(log)[0][:3000]
    text = log.read_text(errors="replace")
    failed = [
        line
        for line in text.splitlines()
        if "reconcile_failed " in line or '"reconcile_failed"' in line
    ]
    assert len(failed) == 2, "one line per key: the repeats of an identical error are left out"
    assert all("RuntimeError" in line and "SageMaker refused" in line for line in failed)
    assert all("Traceback" not in line and '"exception"' not in line for line in failed)
    if level == "debug":
        assert "reconcile_failed_traceback" in text
        assert "_fail_holding_credentials" in text, "the traceback, at debug level"
    else:
        assert "Traceback" not in text
        assert "_fail_holding_credentials" not in text


async def test_no_secret_key_or_session_token_in_any_log_line_under_faults(
    sagemaker_crds: ControlPlane,
    kube_api: client.ApiClient,
    emulator: RunningEmulator,
    tmp_path: Path,
) -> None:
    namespace = f"leak-{uuid.uuid4().hex[:8]}"
    await client.CoreV1Api(kube_api).create_namespace({"metadata": {"name": namespace}})
    kube = Kube(kube_api, namespace)
    proxy = StallingProxy(sagemaker_crds.apiserver_port)
    await proxy.start()
    log = tmp_path / "operator.log"
    operator = await start_operator(
        routed_kubeconfig(sagemaker_crds, proxy.url, tmp_path),
        emulator.url,
        log,
        "--namespace", namespace,
        "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0",
        "--job-poll-interval", "0.3",
        "--log-level", "debug",
        "--log-format", "json",
        env=CREDENTIALS,
    )  # fmt: skip
    try:
        for name in JOBS:
            await kube.create(sample("TrainingJob", name))
        for name in JOBS:
            await kube.wait_for_status("TrainingJob", name, "InProgress", seconds=60)
        # SageMaker faults, one kind at a time, each met by the next request: the polls of
        # the running jobs, or the create of a job made for it (a refused credential puts a
        # key in a long backoff, so each kind gets a fresh key that still calls SageMaker).
        for kind in SAGEMAKER_FAULTS:
            emulator.control.inject(kind, times=1)  # type: ignore[arg-type]
            await kube.create(sample("TrainingJob", f"leak-{kind.replace('_', '-')}"))
            await wait_until(lambda: faults_used_up(emulator), 60, f"the {kind} fault")
        # Apiserver trouble while a status write is due: a job is created, and while
        # SageMaker holds its create for a second, the apiserver link is partitioned and its
        # new connections are reset twice a second, until a reconcile has failed on it.
        creates = emulator.control.requests.arrived["CreateTrainingJob"]
        emulator.control.inject("latency", operation="CreateTrainingJob", latency=1.0, times=1)
        await kube.create(sample("TrainingJob", LATE_JOB))

        async def create_sent() -> bool:
            return emulator.control.requests.arrived["CreateTrainingJob"] > creates

        await wait_until(create_sent, 60, "the late job's create")
        proxy.reset_existing()  # pooled connections, so requests need new ones
        proxy.partition()

        async def reconcile_failed() -> bool:
            proxy.reset_existing()
            await asyncio.sleep(0.5)
            return '"reconcile_failed"' in log.read_text(errors="replace")

        await wait_until(reconcile_failed, 90, "a reconcile failing on the apiserver")
        proxy.heal()
        await kube.wait_for_status("TrainingJob", LATE_JOB, "InProgress", seconds=60)
    finally:
        if operator.returncode is None:
            operator.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(operator.wait(), 60)
            except TimeoutError:
                operator.kill()
                await operator.wait()
        await proxy.stop()

    assert not leaks(log), leaks(log)[0][:3000]
    # The faults were met: what the test searched is the log of a troubled operator.
    text = log.read_text(errors="replace")
    assert '"reconcile_failed"' in text
    assert '"reconcile_failed_traceback"' in text, "debug tracebacks were written"
