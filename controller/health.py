"""The health probe server (/healthz, /readyz) and the metrics server (/metrics), on aiohttp."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from controller.metrics import Metrics

STOP_SECONDS = 1.0
ReadinessCheck = Callable[[], dict[str, str]]
"""Returns the failing checks by name (empty when ready)."""


@dataclass(frozen=True)
class BindAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> BindAddress | None:
        """``:8080``, ``127.0.0.1:8080`` or ``host:0`` (any free port); ``0`` disables."""
        text = text.strip()
        if text in ("", "0"):
            return None
        host, _, port = text.rpartition(":")
        if not port.isdigit():
            raise ValueError(f"bind address {text!r} is not [host]:port")
        return cls(host or "0.0.0.0", int(port))


def health_app(readiness: ReadinessCheck) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        failing = readiness()
        if failing:
            lines = "\n".join(f"[-] {name}: {why}" for name, why in sorted(failing.items()))
            return web.Response(status=503, text=f"{lines}\nreadyz check failed\n")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


def metrics_app(metrics: Metrics) -> web.Application:
    async def serve_metrics(_: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/metrics", serve_metrics)
    return app


class HttpServer:
    """One aiohttp application on one address; ``port`` is the bound port once started."""

    def __init__(self, app: web.Application, address: BindAddress) -> None:
        # Stopping must fit the shutdown budget: in-flight scrapes get a second, not 60.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=STOP_SECONDS)
        self.address = address
        self.port = address.port

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.address.host, self.address.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        await self._runner.cleanup()
