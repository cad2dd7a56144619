"""A watch that fails half-way resumes from the last event it handled (real kube-apiserver).

The informer reaches the server through a TCP proxy that resets its open connections, as a
load balancer that forgets them would. Whatever the old watch delivered before the reset
must not come again: a replayed DELETED would evict an object that has been re-created.
"""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio import client

from chaos.tcp_proxy import StallingProxy
from controller.cache import EventType, ObjectEvent
from controller.informer import Informer, WatchSettings
from controller.rate_limiter import BackoffSettings
from controller.resources import ObjectKey
from local_cluster import ControlPlane
from tests.controller.kube_helpers import (
    WIDGET,
    api_for,
    create_object,
    delete_widget,
    eventually,
)

pytestmark = pytest.mark.cluster

# The server would end each watch only after two minutes, so within the test every watch
# ends by the reset, never normally (which saved the version even before the fix).
SETTINGS = WatchSettings(
    watch_timeout_seconds=120,
    read_grace_seconds=5.0,
    connect_timeout_seconds=5.0,
    backoff=BackoffSettings(base_seconds=0.05, cap_seconds=0.5, jitter=0.5),
)


async def test_a_reset_watch_resumes_from_the_last_event_it_handled(
    widget_cluster: ControlPlane, api: client.ApiClient, namespace: str
) -> None:
    proxy = StallingProxy(widget_cluster.apiserver_port)
    await proxy.start()
    routed = await api_for(widget_cluster.kubeconfig, host=proxy.url)
    informer = Informer(routed, WIDGET, namespaces=[namespace], settings=SETTINGS)
    events: list[ObjectEvent] = []
    informer.add_listener(events.append)
    task = asyncio.create_task(informer.run())
    reflector = informer.reflectors[0]

    def seen(event_type: EventType, name: str) -> bool:
        return any(e.type == event_type and e.key.name == name for e in events)

    try:
        await asyncio.wait_for(informer.wait_synced(), 20)
        await eventually(lambda: reflector.stats.watches_opened == 1, within=10)
        # Created, deleted and created again, all delivered by the first watch.
        await create_object(api, namespace, "phoenix")
        await eventually(lambda: seen(EventType.ADDED, "phoenix"), within=10)
        await delete_widget(api, namespace, "phoenix")
        await eventually(lambda: seen(EventType.DELETED, "phoenix"), within=10)
        reborn = await create_object(api, namespace, "phoenix")
        uid = reborn["metadata"]["uid"]

        def reborn_cached() -> bool:
            cached = informer.cache.get(ObjectKey(namespace, "phoenix"))
            return cached is not None and cached["metadata"]["uid"] == uid

        await eventually(reborn_cached, within=10)
        handled = len(events)

        assert proxy.reset_existing() >= 1
        await eventually(lambda: reflector.stats.failures >= 1, within=10)
        await eventually(lambda: reflector.stats.watches_opened >= 2, within=10)
        # Events arrive in order: once the sentinel is seen, any replay would have been too.
        await create_object(api, namespace, "sentinel")
        await eventually(lambda: seen(EventType.ADDED, "sentinel"), within=10)

        after_reset = [(e.type, e.key.name) for e in events[handled:]]
        assert after_reset == [(EventType.ADDED, "sentinel")], "replayed or relisted"
        assert reflector.stats.lists == 1, "resumed, not relisted"
        assert reflector.stats.gone == 0
        assert reborn_cached()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await routed.close()
        await proxy.stop()
