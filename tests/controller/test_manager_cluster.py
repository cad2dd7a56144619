"""The manager in-process and the CLI as a process, against the real apiserver."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from kubernetes_asyncio import client
from prometheus_client.parser import text_string_to_metric_families

from controller.controller import ControllerRegistration
from controller.informer import WatchSettings
from controller.manager import EXIT_LEADERSHIP_LOST, EXIT_OK, Manager
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from local_cluster import ControlPlane
from tests.controller.kube_helpers import WIDGET, create_object, eventually
from tests.controller.test_leader_election_cluster import free_port, lease_holder

pytestmark = pytest.mark.cluster

EXPECTED_TYPES = {
    "controller_runtime_reconcile_total": "counter",
    "controller_runtime_reconcile_errors_total": "counter",
    "controller_runtime_reconcile_time_seconds": "histogram",
    "controller_runtime_max_concurrent_reconciles": "gauge",
    "controller_runtime_active_workers": "gauge",
    "workqueue_depth": "gauge",
    "workqueue_adds_total": "counter",
    "workqueue_queue_duration_seconds": "histogram",
    "workqueue_work_duration_seconds": "histogram",
    "workqueue_retries_total": "counter",
    "workqueue_unfinished_work_seconds": "gauge",
    "workqueue_longest_running_processor_seconds": "gauge",
    "leader_election_master_status": "gauge",
}


class GatedReconciler:
    """Fails once per key, then blocks on ``gate`` so a test can hold a reconcile in flight."""

    def __init__(self, context: ReconcileContext) -> None:
        self.context = context
        self.gate = asyncio.Event()
        self.started: list[ObjectKey] = []
        self.finished: list[ObjectKey] = []
        self.cancelled: list[ObjectKey] = []

    async def reconcile(self, key: ObjectKey) -> Result:
        if key not in self.started:
            self.started.append(key)
            raise RuntimeError("first attempt fails, to fill the error and retry series")
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled.append(key)
            raise
        self.finished.append(key)
        return Result.done()


def manager_for(
    api: client.ApiClient, namespace: str, identity: str
) -> tuple[Manager, list[GatedReconciler]]:
    built: list[GatedReconciler] = []

    def factory(context: ReconcileContext) -> GatedReconciler:
        built.append(GatedReconciler(context))
        return built[-1]

    options = ManagerOptions(
        metrics_bind_address="127.0.0.1:0",
        health_probe_bind_address="127.0.0.1:0",
        leader_elect=True,
        leader_election_id="manager-test",
        leader_election_namespace=namespace,
        leader_election_identity=identity,
        lease_duration_seconds=3.0,
        renew_deadline_seconds=2.0,
        retry_period_seconds=0.5,
        namespaces=(namespace,),
        graceful_shutdown_timeout_seconds=5.0,
    )
    registration = ControllerRegistration("widget", WIDGET, factory, concurrency=2)
    settings = WatchSettings(watch_timeout_seconds=10, read_grace_seconds=2.0)
    return Manager(options, api, [registration], watch_settings=settings), built


async def http_get(port: int, path: str) -> tuple[int, str]:
    timeout = aiohttp.ClientTimeout(total=2)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_metrics_health_and_a_graceful_drain(api: client.ApiClient, namespace: str) -> None:
    await create_object(api, namespace, "held")
    manager, built = manager_for(api, namespace, "solo")
    stop = asyncio.Event()
    running = asyncio.create_task(manager.run(stop))
    try:
        await eventually(lambda: built[0].started and built[0].context.cache, within=15)
        reconciler = built[0]
        await eventually(lambda: manager.controllers[0].queue.processing, within=5)
        health_port = manager.servers["health"].port
        assert await http_get(health_port, "/healthz") == (200, "ok")
        assert (await http_get(health_port, "/readyz"))[0] == 200

        status, text = await http_get(manager.servers["metrics"].port, "/metrics")
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(text)}
        for name, kind in EXPECTED_TYPES.items():
            # The parser names counter families without their _total suffix.
            family_name = name.removesuffix("_total") if kind == "counter" else name
            assert family_name in families, f"{name} is not served"
            family = families[family_name]
            assert family.type == kind, f"{name} is a {family.type}, want {kind}"
            assert family.samples, f"{name} has no samples"
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in families.values()
            for s in f.samples
        }
        widget = (("controller", "widget"),)
        queue = (("controller", "widget"), ("name", "widget"))
        error_key = (*widget, ("result", "error"))
        assert samples[("controller_runtime_reconcile_total", error_key)] == 1
        assert samples[("controller_runtime_reconcile_errors_total", widget)] == 1
        assert samples[("controller_runtime_max_concurrent_reconciles", widget)] == 2
        assert samples[("controller_runtime_active_workers", widget)] == 1
        assert samples[("workqueue_retries_total", queue)] == 1
        assert samples[("workqueue_longest_running_processor_seconds", queue)] > 0
        assert samples[("leader_election_master_status", (("name", "manager-test"),))] == 1

        # SIGTERM's path: stop, let the held reconcile finish, release the Lease, exit 0.
        stop.set()
        await asyncio.sleep(0.2)
        assert not running.done(), "the manager waits for the in-flight reconcile"
        reconciler.gate.set()
        assert await asyncio.wait_for(running, 10) == EXIT_OK
        assert reconciler.finished == [ObjectKey(namespace, "held")]
        assert reconciler.cancelled == []
        assert await lease_holder(api, namespace, "manager-test") == ""  # released
    finally:
        stop.set()
        if not running.done():
            running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_lost_leadership_stops_reconciling_at_once_and_exits(
    api: client.ApiClient, namespace: str
) -> None:
    await create_object(api, namespace, "held")
    manager, built = manager_for(api, namespace, "victim")
    running = asyncio.create_task(manager.run(asyncio.Event()))
    try:
        await eventually(lambda: manager.controllers[0].queue.processing, within=15)
        await eventually(lambda: built[0].started and not built[0].finished, within=5)
        coordination = client.CoordinationV1Api(api)
        lease = await coordination.read_namespaced_lease("manager-test", namespace)
        lease.spec.holder_identity = "usurper"
        await coordination.replace_namespaced_lease("manager-test", namespace, lease)
        assert await asyncio.wait_for(running, 5) == EXIT_LEADERSHIP_LOST
        assert built[0].cancelled == [ObjectKey(namespace, "held")]
        assert built[0].finished == []
        assert (
            manager.metrics.registry.get_sample_value(
                "leader_election_master_status", {"name": "manager-test"}
            )
            == 0
        )
    finally:
        if not running.done():
            running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_the_cli_serves_probes_and_metrics_and_exits_cleanly_on_sigterm(
    sagemaker_crds: ControlPlane, api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    # The CLI runs whatever reconcilers/registry.py registers, so their CRDs (the shared
    # sagemaker_crds fixture) must exist for the informers to sync and /readyz to pass.
    widget_cluster = sagemaker_crds
    metrics_port, health_port = free_port(), free_port()
    script = Path(sys.executable).parent / "sagemaker-operator"
    log = tmp_path / "operator.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            str(script),
            "--kubeconfig", str(widget_cluster.kubeconfig),
            "--metrics-bind-address", f"127.0.0.1:{metrics_port}",
            "--health-probe-bind-address", f"127.0.0.1:{health_port}",
            "--enable-leader-election",
            "--leader-election-namespace", namespace,
            "--namespace", namespace,
            "--log-format", "json",
            stdout=sink, stderr=sink, env={**os.environ, "AWS_DEFAULT_SAGEMAKER_ENDPOINT": "x"},
        )  # fmt: skip

    async def serving() -> bool:
        try:
            return (await http_get(health_port, "/readyz"))[0] == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    try:
        try:
            await eventually(serving, within=30, interval=0.1)
        except AssertionError:
            raise AssertionError(log.read_text()[-3000:]) from None
        assert await http_get(health_port, "/healthz") == (200, "ok")
        lease = "sagemaker-k8s-operator"  # the CLI's default --leader-election-id
        await eventually(lambda: lease_holder(api, namespace, lease), within=10)
        status, text = await http_get(metrics_port, "/metrics")
        assert status == 200
        assert "leader_election_master_status" in text
        # The registered controllers' own metrics share the manager's registry.
        assert "sagemaker_api_requests_total" in text
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
        output = log.read_text()
        assert '"event": "leader_election_released"' in output
        assert await lease_holder(api, namespace, lease) == ""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


class SharedClient:
    """Stands for what reconcilers share (an HTTP client pool): closed once, after the run."""

    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


async def test_shared_resources_are_released_once_when_the_manager_stops(
    api: client.ApiClient, namespace: str
) -> None:
    shared = SharedClient()
    registrations = [
        ControllerRegistration(name, WIDGET, GatedReconciler, close=shared.aclose)
        for name in ("widget-a", "widget-b")
    ]
    options = ManagerOptions(
        metrics_bind_address="0", health_probe_bind_address="0", namespaces=(namespace,)
    )
    manager = Manager(options, api, registrations)
    stop = asyncio.Event()
    running = asyncio.create_task(manager.run(stop))
    await eventually(lambda: all(c.informer.has_synced for c in manager.controllers), within=15)
    assert shared.closed == 0
    stop.set()
    assert await asyncio.wait_for(running, 10) == EXIT_OK
    assert shared.closed == 1
