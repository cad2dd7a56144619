"""A logging reverse proxy in front of SageMaker, one per operator replica.

Each replica gets its own proxy as its ``--sagemaker-endpoint``, so every SageMaker call
can be told apart by who made it, and when: the leader-failover scenario finds two active
leaders by a call from a replica while the Lease names the other, and the request-budget
check counts calls per 10 s window as the operator sent them (the emulator's own log
stamps a call when it is answered, after any injected latency).

The proxy passes requests and answers through unchanged. When the emulator drops a
connection (the ``drop`` and ``drop_response`` faults), the proxy drops the replica's
connection too, so the operator sees what it would have seen without the proxy.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import aiohttp
from aiohttp import web

# Longer than the operator's own read timeout (30 s), so the operator gives up first.
_UPSTREAM_SECONDS = 120.0
_HOP_BY_HOP = frozenset(
    h.lower()
    for h in (
        "Host",
        "Connection",
        "Keep-Alive",
        "Content-Length",
        "Transfer-Encoding",
        "Content-Encoding",
    )
)
DROPPED = 0  # the status recorded for a call whose connection was closed without an answer


@dataclass(frozen=True)
class Call:
    at: float  # time.monotonic() when the request reached the proxy
    operation: str  # from X-Amz-Target ("SageMaker.CreateTrainingJob" -> CreateTrainingJob)
    status: int  # the HTTP status answered, or DROPPED


class LoggingProxy:
    def __init__(self, target_url: str) -> None:
        self.target_url = target_url.rstrip("/")
        self.calls: list[Call] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # A fresh upstream connection per call: a pooled one that the emulator closed while
        # idle would fail the next call, and the proxy would pass on a drop nobody injected.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, limit=0),
            timeout=aiohttp.ClientTimeout(total=_UPSTREAM_SECONDS),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Bound here rather than by port number, so the port is known and cannot be taken
        # between a probe and the bind.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def calls_between(self, start: float, end: float) -> list[Call]:
        return [call for call in self.calls if start <= call.at < end]

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        at = time.monotonic()
        target = request.headers.get("X-Amz-Target", "")
        operation = target.rpartition(".")[2] or request.path
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            async with self._session.request(
                request.method, self.target_url + request.path_qs, data=body, headers=headers
            ) as upstream:
                answer = await upstream.read()
                reply_headers = {
                    k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP
                }
                self.calls.append(Call(at, operation, upstream.status))
                return web.Response(status=upstream.status, body=answer, headers=reply_headers)
        except (aiohttp.ClientError, TimeoutError):
            self.calls.append(Call(at, operation, DROPPED))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=502)
