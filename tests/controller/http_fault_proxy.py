"""A plain-HTTP reverse proxy in front of the real kube-apiserver that slows or hangs chosen
requests, to fake an apiserver that answers some calls slowly and others never.

The client talks HTTP to the proxy; the proxy talks TLS to the apiserver with the control
plane's admin certificate. Responses, watch streams included, are forwarded chunk by chunk.
A ``Rule`` matches a method and a path fragment:

* ``hang``: the request is never forwarded and never answered (until the proxy stops);
* ``header_delay`` / ``body_delay``: the answer's headers, then its body, are held back
  that long each, so a client that bounds each read separately sees every read succeed.

Every request is recorded (``seen``), so a test can count the watches a client opened.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from local_cluster import ControlPlane

# Hop-by-hop, or recomputed by aiohttp for the streamed answer.
_DROPPED_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}
_UPSTREAM_CONNECT_SECONDS = 10.0


@dataclass(frozen=True)
class Rule:
    method: str
    path_contains: str
    hang: bool = False
    header_delay: float = 0.0
    body_delay: float = 0.0

    def matches(self, request: web.Request) -> bool:
        return request.method == self.method and self.path_contains in request.path


class FaultProxy:
    def __init__(self, plane: ControlPlane) -> None:
        self._upstream = plane.url
        certs = plane.certs
        self._ssl = ssl.create_default_context(cafile=str(certs.ca_cert))
        self._ssl.load_cert_chain(str(certs.admin_cert), str(certs.admin_key))
        self.rules: list[Rule] = []
        self.hung = 0
        self.seen: list[tuple[str, str, dict[str, str]]] = []  # method, path, query
        self._stopping = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self._ssl),
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=_UPSTREAM_CONNECT_SECONDS),
        )
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def watches(self, path: str) -> int:
        """How many watch requests of ``path`` (a collection's URL path) came through."""
        return sum(
            1
            for method, seen_path, query in self.seen
            if method == "GET" and seen_path == path and query.get("watch") == "true"
        )

    def _rule(self, request: web.Request) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(request)), None)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        self.seen.append((request.method, request.path, dict(request.query)))
        rule = self._rule(request)
        if rule is not None and rule.hang:
            self.hung += 1
            await self._stopping.wait()
            raise web.HTTPServiceUnavailable()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED_HEADERS}
        body = await request.read()
        async with self._session.request(
            request.method,
            self._upstream + request.path_qs,
            headers=headers,
            data=body or None,
        ) as upstream:
            if rule is not None and rule.header_delay:
                await asyncio.sleep(rule.header_delay)
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in _DROPPED_HEADERS:
                    response.headers.add(name, value)
            await response.prepare(request)
            if rule is not None and rule.body_delay:
                await asyncio.sleep(rule.body_delay)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
