"""The informer against a real kube-apiserver: events, scopes, silent watches, 410, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio import client

from chaos.tcp_proxy import StallingProxy
from controller.cache import EventType, ObjectEvent
from controller.informer import Informer, WatchSettings
from controller.rate_limiter import BackoffSettings
from local_cluster import ControlPlane
from tests.controller.kube_helpers import (
    GROUP,
    PLURAL,
    VERSION,
    WIDGET,
    api_for,
    create_namespace,
    create_object,
    delete_widget,
    eventually,
    install_test_crds,
    list_widgets,
    patch_spec,
)

pytestmark = pytest.mark.cluster

FAST = WatchSettings(
    watch_timeout_seconds=5,
    read_grace_seconds=1.0,
    connect_timeout_seconds=2.0,
    backoff=BackoffSettings(base_seconds=0.05, cap_seconds=0.5, jitter=0.5),
)


class Recorder:
    def __init__(self) -> None:
        self.events: list[ObjectEvent] = []

    def __call__(self, event: ObjectEvent) -> None:
        self.events.append(event)

    def seen(self, event_type: EventType, name: str) -> bool:
        return any(e.type == event_type and e.key.name == name for e in self.events)


async def start(informer: Informer) -> asyncio.Task[None]:
    task = asyncio.create_task(informer.run())
    await asyncio.wait_for(informer.wait_synced(), 20)
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def cache_matches(informer: Informer, namespace: str, server: dict[str, dict[str, Any]]) -> bool:
    cached = {
        key.name: obj["metadata"]["resourceVersion"]
        for key, obj in ((k, informer.cache.get(k)) for k in informer.cache)
        if obj is not None and key.namespace == namespace
    }
    return cached == {name: o["metadata"]["resourceVersion"] for name, o in server.items()}


async def test_informer_sees_create_update_and_delete(
    api: client.ApiClient, namespace: str
) -> None:
    await create_object(api, namespace, "before")
    informer = Informer(api, WIDGET, namespaces=[namespace], settings=FAST)
    recorder = Recorder()
    informer.add_listener(recorder)
    task = await start(informer)
    try:
        assert recorder.seen(EventType.ADDED, "before"), "the initial list is emitted as adds"
        await create_object(api, namespace, "w1", {"size": 1})
        await eventually(lambda: recorder.seen(EventType.ADDED, "w1"), within=10)
        await patch_spec(api, namespace, "w1", {"size": 2})
        await eventually(lambda: recorder.seen(EventType.MODIFIED, "w1"), within=10)
        modified = next(e for e in recorder.events if e.type == EventType.MODIFIED)
        assert modified.obj["spec"]["size"] == 2
        assert modified.old is not None
        assert modified.old["spec"]["size"] == 1
        await delete_widget(api, namespace, "w1")
        await eventually(lambda: recorder.seen(EventType.DELETED, "w1"), within=10)
        cached = informer.cache.get(next(k for k in informer.cache if k.name == "before"))
        assert cached is not None
        assert cached["kind"] == "Widget"
        assert [k.name for k in informer.cache] == ["before"]
        assert informer.heard_recently()
    finally:
        await stop(task)


async def test_informer_scope_is_a_list_of_namespaces(api: client.ApiClient) -> None:
    watched = [await create_namespace(api, "in"), await create_namespace(api, "in")]
    ignored = await create_namespace(api, "out")
    informer = Informer(api, WIDGET, namespaces=watched, settings=FAST)
    assert len(informer.reflectors) == 2
    task = await start(informer)
    try:
        for ns in [*watched, ignored]:
            await create_object(api, ns, "w")
        await eventually(lambda: len(informer.cache) == 2, within=10)
        await asyncio.sleep(0.3)
        assert sorted(k.namespace for k in informer.cache) == sorted(watched)
    finally:
        await stop(task)
        for ns in [*watched, ignored]:
            await client.CoreV1Api(api).delete_namespace(ns)


async def test_all_namespaces_scope_uses_one_stream(api: client.ApiClient, namespace: str) -> None:
    informer = Informer(api, WIDGET, settings=FAST)
    assert len(informer.reflectors) == 1
    task = await start(informer)
    try:
        await create_object(api, namespace, "anywhere")
        await eventually(lambda: any(k.namespace == namespace for k in informer.cache), within=10)
    finally:
        await stop(task)


async def test_a_silent_watch_is_noticed_and_reopened(
    widget_cluster: ControlPlane, api: client.ApiClient, namespace: str
) -> None:
    proxy = StallingProxy(widget_cluster.apiserver_port)
    await proxy.start()
    # The server would end each watch after 30 s; silence is declared after 30 + 1 s. A
    # frozen stream hides the server's close too, so only the read timeout can save us.
    settings = WatchSettings(
        watch_timeout_seconds=3,
        read_grace_seconds=1.0,
        connect_timeout_seconds=2.0,
        backoff=BackoffSettings(base_seconds=0.05, cap_seconds=0.2, jitter=0.5),
    )
    routed = await api_for(widget_cluster.kubeconfig, host=proxy.url)
    informer = Informer(routed, WIDGET, namespaces=[namespace], settings=settings)
    task = await start(informer)
    reflector = informer.reflectors[0]
    try:
        await eventually(lambda: reflector.stats.watches_opened >= 1, within=10)
        assert proxy.freeze_existing() >= 1
        await create_object(api, namespace, "during-silence")
        await eventually(lambda: reflector.stats.stalls >= 1, within=15)
        await eventually(lambda: any(k.name == "during-silence" for k in informer.cache), within=10)
        assert reflector.stats.watches_opened >= 2
        assert reflector.stats.gone == 0, "the reopened watch resumed from its resourceVersion"
    finally:
        await stop(task)
        await routed.close()
        await proxy.stop()


# -- a private control plane: etcd history is compacted every second and the apiserver's
# watch cache is off, so an old resourceVersion really is gone and the server says 410.


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def compacting_plane() -> AsyncIterator[ControlPlane]:
    plane = ControlPlane(apiserver_args=["--watch-cache=false", "--etcd-compaction-interval=1s"])
    async with plane:
        async with await api_for(plane.kubeconfig) as admin:
            await install_test_crds(admin)
        yield plane


async def watch_from_is_gone(api: client.ApiClient, namespace: str, version: str) -> bool:
    """Ask the server directly whether ``version`` has been compacted away."""
    custom = client.CustomObjectsApi(api)
    try:
        response = await custom.list_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            watch=True,
            resource_version=version,
            timeout_seconds=1,
            _preload_content=False,
            _request_timeout=5,
        )
    except client.exceptions.ApiException as error:
        return bool(error.status == 410)
    async with response:
        if response.status == 410:
            return True
        line = await asyncio.wait_for(response.content.readline(), 5)
    return b'"code":410' in line


async def test_a_relist_after_410_gone_converges_and_emits_what_was_missed(
    compacting_plane: ControlPlane,
) -> None:
    async with await api_for(compacting_plane.kubeconfig) as admin:
        namespace = await create_namespace(admin)
        for name in ("keep", "change", "remove"):
            await create_object(admin, namespace, name)
        proxy = StallingProxy(compacting_plane.apiserver_port)
        await proxy.start()
        routed = await api_for(compacting_plane.kubeconfig, host=proxy.url)
        informer = Informer(routed, WIDGET, namespaces=[namespace], settings=FAST)
        recorder = Recorder()
        informer.add_listener(recorder)
        task = await start(informer)
        reflector = informer.reflectors[0]
        try:
            await eventually(lambda: reflector.stats.watches_opened >= 1, within=10)
            stale_version = reflector.resource_version
            assert stale_version
            proxy.partition()
            await patch_spec(admin, namespace, "change", {"size": 99})
            await delete_widget(admin, namespace, "remove")
            await create_object(admin, namespace, "new")
            for i in range(5):  # more writes so compaction moves well past our version
                await patch_spec(admin, namespace, "keep", {"size": i})
            await eventually(
                lambda: watch_from_is_gone(admin, namespace, stale_version), within=30, interval=0.5
            )
            recorder.events.clear()
            proxy.heal()
            await eventually(lambda: reflector.stats.gone >= 1, within=20)
            server = await list_widgets(admin, namespace)
            await eventually(lambda: cache_matches(informer, namespace, server), within=10)
            assert recorder.seen(EventType.DELETED, "remove")
            assert recorder.seen(EventType.ADDED, "new")
            assert recorder.seen(EventType.MODIFIED, "change")
            assert reflector.stats.lists >= 2
        finally:
            await stop(task)
            await routed.close()
            await proxy.stop()


async def test_the_informer_converges_after_an_apiserver_restart(
    compacting_plane: ControlPlane,
) -> None:
    async with await api_for(compacting_plane.kubeconfig) as admin:
        namespace = await create_namespace(admin)
        await create_object(admin, namespace, "first")
        informer = Informer(admin, WIDGET, namespaces=[namespace], settings=FAST)
        task = await start(informer)
        reflector = informer.reflectors[0]
        try:
            await compacting_plane.stop_apiserver()
            await eventually(lambda: reflector.stats.failures >= 1, within=15)
            await compacting_plane.start_apiserver()
            await create_object(admin, namespace, "second")
            await patch_spec(admin, namespace, "first", {"size": 7})
            server = await list_widgets(admin, namespace)
            await eventually(lambda: cache_matches(informer, namespace, server), within=20)
            assert not task.done(), "the reflector survived the outage"
        finally:
            await stop(task)
