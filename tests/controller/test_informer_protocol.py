"""The informer's handling of answers a healthy kube-apiserver rarely gives on demand.

A small aiohttp server speaks the list/watch protocol on loopback so each answer is exact:
410 Gone as the watch request's own HTTP status (the real server in the cluster tests sends
it as an ERROR event instead), pagination with continue tokens, bookmarks, a failing
listener, and a malformed line that crashes the watch.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiohttp import web
from kubernetes_asyncio import client

from controller.cache import EventType, ObjectEvent
from controller.informer import Informer, WatchSettings
from controller.rate_limiter import BackoffSettings
from tests.controller.kube_helpers import WIDGET, eventually

SETTINGS = WatchSettings(
    watch_timeout_seconds=2,
    read_grace_seconds=1.0,
    connect_timeout_seconds=2.0,
    page_size=2,
    backoff=BackoffSettings(base_seconds=0.01, cap_seconds=0.05, jitter=0),
)


def widget(name: str, version: int) -> dict[str, Any]:
    return {
        "apiVersion": WIDGET.api_version,
        "kind": "Widget",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": str(version)},
    }


class FakeApiServer:
    """Serves the lists in ``lists`` one after another; the first watch is answered 410."""

    def __init__(self) -> None:
        self.lists: list[list[dict[str, Any]]] = []
        self.list_calls = 0
        self.watch_calls = 0
        self.first_watch_gone = True
        self.end_watches_at_once = False
        self.watch_queries: list[dict[str, str]] = []
        self.streams: list[asyncio.Queue[dict[str, Any] | bytes]] = []

    async def send(self, event: dict[str, Any] | bytes) -> None:
        """Write ``event`` on the newest watch stream."""
        await self.streams[-1].put(event)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("watch") == "true":
            return await self.watch(request)
        items = self.lists[min(self.list_calls, len(self.lists) - 1)]
        start = int(request.query.get("continue") or 0)
        limit = int(request.query["limit"])
        page = items[start : start + limit]
        more = start + limit < len(items)
        if not more:
            self.list_calls += 1
        return web.json_response(
            {
                "kind": "WidgetList",
                "metadata": {
                    "resourceVersion": str(100 + self.list_calls),
                    "continue": str(start + limit) if more else "",
                },
                "items": page,
            }
        )

    async def watch(self, request: web.Request) -> web.StreamResponse:
        self.watch_calls += 1
        self.watch_queries.append(dict(request.query))
        if self.end_watches_at_once:
            return web.Response(text="")  # 200 and an empty stream, at once
        if self.watch_calls == 1 and self.first_watch_gone:
            return web.json_response(
                {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"},
                status=410,
            )
        events: asyncio.Queue[dict[str, Any] | bytes] = asyncio.Queue()
        self.streams.append(events)
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            while True:
                event = await asyncio.wait_for(events.get(), 1.5)
                raw = event if isinstance(event, bytes) else json.dumps(event).encode()
                await response.write(raw + b"\n")
        except TimeoutError:
            return response  # like timeoutSeconds: the server ends the stream


@pytest_asyncio.fixture(loop_scope="session")
async def fake() -> AsyncIterator[tuple[FakeApiServer, client.ApiClient]]:
    server = FakeApiServer()
    app = web.Application()
    app.router.add_get("/apis/test.sagemaker.local/v1/namespaces/ns/widgets", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    configuration = client.Configuration()
    configuration.host = f"http://127.0.0.1:{port}"
    async with client.ApiClient(configuration) as api:
        yield server, api
    await runner.cleanup()


async def test_410_as_http_status_relists_and_emits_the_difference(
    fake: tuple[FakeApiServer, client.ApiClient],
) -> None:
    server, api = fake
    server.lists = [
        [widget("a", 1), widget("b", 2), widget("c", 3)],
        [widget("b", 2), widget("c", 9), widget("d", 10)],
    ]
    informer = Informer(api, WIDGET, namespaces=["ns"], settings=SETTINGS)
    events: list[ObjectEvent] = []
    informer.add_listener(events.append)

    def broken_listener(event: ObjectEvent) -> None:
        raise RuntimeError("a buggy handler must not stop the informer")

    informer.add_listener(broken_listener)
    task = asyncio.create_task(informer.run())
    try:
        reflector = informer.reflectors[0]
        await eventually(lambda: reflector.stats.gone_as_status == 1, within=5)
        await eventually(lambda: reflector.stats.lists == 2, within=5)
        assert sorted(k.name for k in informer.cache) == ["b", "c", "d"]
        after_relist = [(e.type, e.key.name) for e in events[3:]]
        assert sorted(after_relist) == [
            (EventType.ADDED, "d"),
            (EventType.DELETED, "a"),
            (EventType.MODIFIED, "c"),
        ]
        await eventually(lambda: server.watch_calls >= 2, within=5)
        query = server.watch_queries[-1]
        assert query["resourceVersion"] == "102"
        assert query["allowWatchBookmarks"] == "true"
        assert query["timeoutSeconds"] == "2"
        # A bookmark moves the resume point without touching the cache.
        await server.send({"type": "BOOKMARK", "object": widget("", 150)})
        await server.send({"type": "ADDED", "object": widget("e", 151)})
        await eventually(lambda: any(k.name == "e" for k in informer.cache), within=5)
        # The next watch resumes from the newest version seen. (Waiting for "a third watch
        # call" raced with a reconnect that a loaded machine can make before the bookmark.)
        await eventually(lambda: server.watch_queries[-1]["resourceVersion"] == "151", within=5)
        assert len(informer.cache) == 4
        # A line that crashes the reflector is survived: logged, backed off, watched again.
        failures = reflector.stats.failures
        await server.send(b"{not json")
        await eventually(lambda: reflector.stats.failures == failures + 1, within=5)
        watches = server.watch_calls
        await eventually(lambda: server.watch_calls > watches, within=5)
        assert server.watch_queries[-1]["resourceVersion"] == "151", "resumed, not relisted"
        await server.send({"type": "ADDED", "object": widget("f", 152)})
        await eventually(lambda: any(k.name == "f" for k in informer.cache), within=5)
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_watches_that_end_at_once_back_off_instead_of_spinning(
    fake: tuple[FakeApiServer, client.ApiClient],
) -> None:
    server, api = fake
    server.lists = [[widget("a", 1)]]
    server.end_watches_at_once = True
    backoff = BackoffSettings(base_seconds=0.1, cap_seconds=0.2, jitter=0)
    settings = WatchSettings(watch_timeout_seconds=2, read_grace_seconds=1, backoff=backoff)
    informer = Informer(api, WIDGET, namespaces=["ns"], settings=settings)
    task = asyncio.create_task(informer.run())
    try:
        await asyncio.wait_for(informer.wait_synced(), 5)
        await asyncio.sleep(1.0)
        # Backing off 0.1 s, 0.2 s, 0.2 s ... allows at most ~6 watches a second; a hot
        # loop would open hundreds. A slower machine only lowers the count.
        assert 2 <= server.watch_calls <= 8
        assert informer.reflectors[0].stats.lists == 1, "an ended watch resumes, no relist"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
