"""The cluster-scoped install of the user guide, on a real node, in the order a user goes.

`kubectl apply -k` over release/rolebased/installer.yaml (only the image and the endpoint
changed), the Deployment Available through its probes, the samples Completed, JSON logs,
Prometheus scraping it through Kubernetes service discovery, then the guide's uninstall.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from e2e.conftest import E2E, IMAGE, CommandFailed
from e2e.install import (
    DEPLOYMENT,
    INSTALLER,
    SYSTEM_NAMESPACE,
    emulator_admin,
    json_lines,
    kustomization,
    operator_pods,
    sample,
    wait_available,
    wait_for_status,
)
from e2e.monitoring import alert_queries, dashboard_queries, exported_names, metric_names
from e2e.prometheus import Prometheus
from reconcilers.kinds import STATUS_FIELDS
from sagemaker_emulator.testing import make_client

pytestmark = pytest.mark.asyncio(loop_scope="session")

JOBS = ("trainingjob", "hyperparametertuningjob", "processingjob")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def installed(e2e: E2E) -> AsyncIterator[E2E]:
    folder = kustomization(e2e, INSTALLER, e2e.work / "cluster-scoped")
    await e2e.kubectl("apply", "--server-side", "-k", str(folder))
    yield e2e
    # The uninstall test removes everything; this catches a run that failed before it.
    await e2e.kubectl(
        "delete", "--ignore-not-found", "--wait=false", "-k", str(folder), check=False
    )


async def test_deployment_becomes_available_through_its_probes(installed: E2E) -> None:
    await wait_available(installed, SYSTEM_NAMESPACE, DEPLOYMENT)
    (pod,) = await operator_pods(installed)
    (container,) = pod["spec"]["containers"]
    assert container["image"] == IMAGE
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    (state,) = pod["status"]["containerStatuses"]
    assert state["ready"] is True
    assert state["restartCount"] == 0
    # The Pod runs as the image's non-root user on a read-only root filesystem.
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] == 65532


async def test_samples_complete(installed: E2E) -> None:
    for name in JOBS:
        await installed.kubectl("apply", "-n", "default", "-f", "-", stdin=json.dumps(sample(name)))
    for name in JOBS:
        document = sample(name)
        kind = document["kind"]
        status = await wait_for_status(
            installed, kind, document["metadata"]["name"], STATUS_FIELDS[kind], "Completed",
            "default", seconds=180,
        )  # fmt: skip
        assert status[STATUS_FIELDS[kind]] == "Completed"


async def test_logs_are_structured_json_bound_to_the_resource(installed: E2E) -> None:
    (pod,) = await operator_pods(installed)
    log = await installed.kubectl(
        "logs", pod["metadata"]["name"], "-c", "manager", "-n", SYSTEM_NAMESPACE
    )
    records = json_lines(log)
    assert records, "the operator logged nothing"
    assert all("event" in r and "level" in r for r in records), records[:3]
    names = {r.get("name") for r in records}
    assert "xgboost-mnist" in names, sorted(str(n) for n in names)[:20]


async def test_prometheus_scrapes_through_kubernetes_discovery(installed: E2E) -> None:
    async with Prometheus(installed, namespace=SYSTEM_NAMESPACE) as prometheus:
        await prometheus.wait_up()
        before = await prometheus.scalar("sum(controller_runtime_reconcile_total)")
        document = sample("trainingjob")
        document["metadata"]["name"] = "scraped-while-running"
        await installed.kubectl("apply", "-n", "default", "-f", "-", stdin=json.dumps(document))
        await wait_for_status(
            installed, "TrainingJob", "scraped-while-running", "trainingJobStatus", "Completed",
            "default",
        )  # fmt: skip
        after = await prometheus.wait_above("sum(controller_runtime_reconcile_total)", before)
        assert after > before
        exposition = await prometheus.target_exposition()
    await prometheus.check_metrics(exposition)
    # The dashboard and the alert rules shipped in helm/monitoring query only real metrics.
    exported = exported_names(exposition)
    for queries in (dashboard_queries(), alert_queries()):
        used = metric_names(queries)
        assert used, queries
        assert sorted(used - exported) == [], f"not exported: {sorted(used - exported)}"


async def test_troubleshooting_commands_work_as_printed(installed: E2E) -> None:
    # `kubectl get pods -A | grep sagemaker`
    listing = await installed.kubectl("get", "pods", "-A")
    assert any("sagemaker" in line and "Running" in line for line in listing.splitlines())
    (pod,) = await operator_pods(installed)
    name = pod["metadata"]["name"]
    # `kubectl logs -p <pod> -c manager -n sagemaker-k8s-operator-system` prints the log of
    # the container before the last restart: make one (SIGTERM, a graceful stop) and read it.
    await installed.kubectl(
        "-n", SYSTEM_NAMESPACE, "exec", name, "-c", "manager", "--",
        "python3", "-c", "import os, signal; os.kill(1, signal.SIGTERM)",
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while True:
        try:
            previous = await installed.kubectl(
                "logs", "-p", name, "-c", "manager", "-n", SYSTEM_NAMESPACE
            )
            break
        except CommandFailed:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)
    assert any(r.get("event") for r in json_lines(previous)), previous[-2000:]
    await wait_available(installed, SYSTEM_NAMESPACE, DEPLOYMENT)


async def test_uninstall_as_the_user_guide_says(installed: E2E) -> None:
    """Delete every job across namespaces, then the installer: nothing hangs, every running
    SageMaker job is stopped, nothing of ours is left."""
    running = sample("trainingjob")
    running["metadata"]["name"] = "running-at-uninstall"
    # Long enough (about 3 hours even at the emulator's speed) to be running at uninstall.
    timings = (await emulator_admin(installed, "GET", "/status"))["timings"]
    await emulator_admin(installed, "PUT", "/timings", {"training_training": 1.0e6})
    await installed.kubectl("create", "namespace", "team-b")
    await installed.kubectl("apply", "-n", "team-b", "-f", "-", stdin=json.dumps(running))
    status = await wait_for_status(
        installed, "TrainingJob", "running-at-uninstall", "trainingJobStatus", "InProgress",
        "team-b",
    )  # fmt: skip
    job_name = status["sageMakerTrainingJobName"]

    started = time.monotonic()
    for plural in ("trainingjobs", "hyperparametertuningjobs", "batchtransformjobs",
                   "processingjobs"):  # fmt: skip
        await installed.run(
            *installed.cluster.kubectl_argv(), "delete", plural, "--all", "--all-namespaces",
            "--timeout=120s", seconds=150,
        )  # fmt: skip
    folder = installed.work / "cluster-scoped"
    await installed.run(
        *installed.cluster.kubectl_argv(), "delete", "-k", str(folder), "--timeout=120s",
        seconds=150,
    )  # fmt: skip
    took = time.monotonic() - started
    print(f"uninstall took {took:.1f}s")

    assert await _sagemaker_status(installed, job_name) in {"Stopping", "Stopped"}
    await emulator_admin(
        installed, "PUT", "/timings", {"training_training": timings["training_training"]}
    )
    left = await installed.kubectl(
        "get", "crd,clusterrole,clusterrolebinding,namespace", "-o", "name"
    )
    ours = [line for line in left.splitlines() if "sagemaker" in line]
    assert ours == [], ours
    await installed.kubectl("delete", "namespace", "team-b", "--wait=false")


async def _sagemaker_status(e2e: E2E, job_name: str) -> str:
    """The job's status as SageMaker (the emulator) reports it: DescribeTrainingJob."""
    async with make_client(e2e.emulator_url, "sagemaker", region="us-west-2") as sagemaker:
        described = await sagemaker.describe_training_job(TrainingJobName=job_name)
    status: str = described["TrainingJobStatus"]
    return status
