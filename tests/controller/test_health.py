"""/healthz, /readyz and /metrics as served over HTTP."""

from __future__ import annotations

import aiohttp

from controller.health import BindAddress, HttpServer, health_app, metrics_app
from controller.metrics import Metrics


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
