"""/healthz, /readyz and /metrics as served over HTTP, and what makes the manager ready."""

from __future__ import annotations

import aiohttp
from kubernetes_asyncio import client

from controller.controller import ControllerRegistration
from controller.health import BindAddress, HttpServer, health_app, metrics_app
from controller.informer import WatchSettings
from controller.manager import Manager
from controller.metrics import Metrics
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import Kind, ObjectKey


async def fetch(port: int, path: str) -> tuple[int, str]:
    timeout = aiohttp.ClientTimeout(total=2)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_readyz_reports_each_failing_check_and_healthz_stays_up() -> None:
    failing: dict[str, str] = {"informer:widgets": "not synced"}
    server = HttpServer(health_app(lambda: dict(failing)), BindAddress("127.0.0.1", 0))
    await server.start()
    try:
        assert server.port != 0
        status, text = await fetch(server.port, "/readyz")
        assert status == 503
        assert "[-] informer:widgets: not synced" in text
        assert await fetch(server.port, "/healthz") == (200, "ok")
        failing.clear()
        assert await fetch(server.port, "/readyz") == (200, "ok")
    finally:
        await server.stop()


async def test_metrics_are_served_in_prometheus_text_format() -> None:
    metrics = Metrics()
    metrics.set_leader("lease", True)
    server = HttpServer(metrics_app(metrics), BindAddress("127.0.0.1", 0))
    await server.start()
    try:
        status, text = await fetch(server.port, "/metrics")
        assert status == 200
        assert 'leader_election_master_status{name="lease"} 1.0' in text
    finally:
        await server.stop()


async def test_readiness_needs_synced_informers_that_were_heard_from_recently() -> None:
    class Idle:
        def __init__(self, context: ReconcileContext) -> None:
            self.context = context

        async def reconcile(self, key: ObjectKey) -> Result:
            return Result.done()

    kind = Kind("test.sagemaker.local", "v1", "widgets", "Widget")
    options = ManagerOptions(metrics_bind_address="0", health_probe_bind_address="0")
    settings = WatchSettings(watch_timeout_seconds=5, read_grace_seconds=1)
    async with client.ApiClient(client.Configuration()) as api:
        manager = Manager(
            options, api, [ControllerRegistration("w", kind, Idle)], watch_settings=settings
        )
        reflector = manager.controllers[0].informer.reflectors[0]
        name = "informer:widgets.test.sagemaker.local"
        assert manager.failing_checks() == {name: "not synced"}
        reflector.synced.set()
        assert manager.failing_checks() == {}
        reflector.last_heard -= settings.read_timeout_seconds + 1
        assert manager.failing_checks() == {name: "watch silent for longer than its read timeout"}
        assert manager.servers == {}, "a bind address of 0 disables the server"
