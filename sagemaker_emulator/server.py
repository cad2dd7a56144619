"""The aiohttp application: the AWS APIs and the admin API on ``/_emulator/``.

AWS JSON 1.1 services share ``POST /``; REST-JSON services (SageMaker Runtime)
have their model's own routes. Both go through one request pipeline.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from sagemaker_emulator import runtime
from sagemaker_emulator.admin import admin_routes
from sagemaker_emulator.clock import Clock
from sagemaker_emulator.control import EmulatorControl
from sagemaker_emulator.faults import FaultInjector
from sagemaker_emulator.pipeline import RequestPipeline
from sagemaker_emulator.protocol import Dispatcher
from sagemaker_emulator.request_log import RequestLog
from sagemaker_emulator.rest_json import RestJsonService
from sagemaker_emulator.state import World

log = structlog.get_logger(__name__)


class EmulatorServer:
    """One emulator on ``host:port``; port 0 picks a free port, reported by :attr:`port`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 1.0,
        manual_clock: bool = False,
        seed: int | None = None,
        check_responses: bool = False,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.world = World(Clock(time_scale=time_scale, manual=manual_clock))
        self.faults = FaultInjector(seed)
        self.requests = RequestLog()
        self.control = EmulatorControl(self.world, self.faults, self.requests)
        self.pipeline = RequestPipeline(self.world, self.faults, self.requests, check_responses)
        self.dispatcher = Dispatcher(self.pipeline)
        self.sagemaker_runtime = RestJsonService(self.pipeline, runtime.SERVICE, runtime.OPERATIONS)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.add_routes(admin_routes(self.control))
        app.router.add_post("/", self.dispatcher.handle)
        app.add_routes(self.sagemaker_runtime.routes())
        return app

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        # No access log: it costs more than a DescribeTrainingJob itself.
        # In-flight requests get a moment to finish on stop, not aiohttp's default minute:
        # an injected latency fault can hold a request far longer than a test should wait.
        self._runner = web.AppRunner(
            self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        server: Any = site._server
        self.port = server.sockets[0].getsockname()[1]
        log.info("emulator.started", url=self.url, time_scale=self.control.time_scale)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            log.info("emulator.stopped", url=self.url)

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
