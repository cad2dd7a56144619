"""Shared informers against the real apiserver: one watch and one cache per kind, however
many controllers read it; what the cache keeps of an object; the owner index."""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes_asyncio import client

from controller.controller import ControllerRegistration
from controller.handlers import OWNER_INDEX
from controller.informer import Informer, WatchSettings
from controller.manager import Manager
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from controller.transform import LAST_APPLIED_ANNOTATION
from local_cluster import ControlPlane
from tests.controller.http_fault_proxy import FaultProxy
from tests.controller.kube_helpers import (
    GADGET,
    GROUP,
    VERSION,
    WIDGET,
    api_for,
    create_object,
    eventually,
)

pytestmark = pytest.mark.cluster

# Long enough that no watch in these tests ends by the server's timeout and is reopened.
SETTINGS = WatchSettings(watch_timeout_seconds=120, read_grace_seconds=5.0)


class Recorder:
    """Remembers every key it was asked to reconcile."""

    def __init__(self, context: ReconcileContext) -> None:
        self.context = context
        self.keys: list[ObjectKey] = []

    async def reconcile(self, key: ObjectKey) -> Result:
        self.keys.append(key)
        return Result.done()


async def test_two_controllers_reading_one_kind_open_one_watch(
    widget_cluster: ControlPlane, api: client.ApiClient, namespace: str
) -> None:
    owner = await create_object(api, namespace, "owner")
    await create_object(api, namespace, "first", kind=GADGET, owner=owner)
    proxy = FaultProxy(widget_cluster)
    await proxy.start()
    routed = await api_for(widget_cluster.kubeconfig, host=proxy.url)
    built: dict[str, Recorder] = {}

    def factory(name: str) -> ControllerRegistration:
        def build(context: ReconcileContext) -> Recorder:
            built[name] = Recorder(context)
            return built[name]

        # The widget controller owns gadgets; the gadget controller reconciles them.
        owned = (GADGET,) if name == "widget" else ()
        return ControllerRegistration(name, WIDGET if owned else GADGET, build, owned=owned)

    options = ManagerOptions(
        metrics_bind_address="0", health_probe_bind_address="0", namespaces=(namespace,)
    )
    manager = Manager(
        options, routed, [factory("widget"), factory("gadget")], watch_settings=SETTINGS
    )
    stop = asyncio.Event()
    running = asyncio.create_task(manager.run(stop))
    try:
        widgets, gadgets = built["widget"], built["gadget"]
        await eventually(lambda: ObjectKey(namespace, "first") in gadgets.keys, within=15)
        await eventually(lambda: ObjectKey(namespace, "owner") in widgets.keys, within=15)
        # A second child reaches both controllers: its own, and its owner's.
        widgets.keys.clear()
        await create_object(api, namespace, "second", kind=GADGET, owner=owner)
        await eventually(lambda: ObjectKey(namespace, "second") in gadgets.keys, within=15)
        await eventually(lambda: ObjectKey(namespace, "owner") in widgets.keys, within=15)

        gadget_path = f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{GADGET.plural}"
        assert proxy.watches(gadget_path) == 1
        assert len(manager.informers.informers) == 2  # widgets and gadgets, once each
        shared = manager.controllers[1].informer
        assert manager.controllers[0].owned_informers[GADGET] is shared
        assert widgets.context.owned_caches[GADGET] is gadgets.context.cache
        assert shared.cache.by_index(OWNER_INDEX, owner["metadata"]["uid"]) == [
            ObjectKey(namespace, "first"),
            ObjectKey(namespace, "second"),
        ]
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 15) == 0
        await routed.close()
        await proxy.stop()


async def test_the_cache_keeps_everything_but_managed_fields_and_last_applied(
    api: client.ApiClient, namespace: str
) -> None:
    applied = {"apiVersion": WIDGET.api_version, "kind": WIDGET.kind, "spec": {"size": 3}}
    body = {
        **applied,
        "metadata": {
            "name": "applied",
            "labels": {"app": "demo"},
            "annotations": {
                LAST_APPLIED_ANNOTATION: json.dumps(applied),
                "example.com/kept": "yes",
            },
            "finalizers": ["example.com/cleanup"],
        },
    }
    objects = client.CustomObjectsApi(api)
    await objects.create_namespaced_custom_object(GROUP, VERSION, namespace, WIDGET.plural, body)
    await objects.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        namespace,
        WIDGET.plural,
        "applied",
        {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
        _content_type="application/merge-patch+json",
    )
    server = await objects.get_namespaced_custom_object(
        GROUP, VERSION, namespace, WIDGET.plural, "applied"
    )
    assert server["metadata"]["managedFields"]  # the apiserver does record them

    informer = Informer(api, WIDGET, namespaces=[namespace], settings=SETTINGS)
    task = asyncio.create_task(informer.run())
    try:
        await asyncio.wait_for(informer.wait_synced(), 10)
        cached = informer.cache.get(ObjectKey(namespace, "applied"))
        assert cached is not None
        expected = json.loads(json.dumps(server))
        del expected["metadata"]["managedFields"]
        del expected["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
        assert cached == expected  # spec, status, labels, finalizers, uid, version: all kept

        # A watch event goes through the same transform.
        await objects.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            WIDGET.plural,
            "applied",
            {"spec": {"size": 4}},
            _content_type="application/merge-patch+json",
        )

        def updated() -> bool:
            obj = informer.cache.get(ObjectKey(namespace, "applied"))
            return obj is not None and obj["spec"]["size"] == 4

        await eventually(updated, within=10)
        cached = informer.cache.get(ObjectKey(namespace, "applied"))
        assert cached is not None
        assert "managedFields" not in cached["metadata"]
        assert cached["metadata"]["annotations"] == {"example.com/kept": "yes"}
        assert cached["status"]["phase"] == "Running"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
