"""The per-resource Synced=False series, served by a running manager from its informer cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes_asyncio import client
from prometheus_client.parser import text_string_to_metric_families

from controller.sync_metrics import METRIC
from tests.controller.kube_helpers import GROUP, PLURAL, VERSION, create_object, eventually
from tests.controller.test_manager_cluster import http_get, manager_for

pytestmark = pytest.mark.cluster

STUCK_AT = "2026-01-02T03:04:05Z"


async def set_synced(
    api: client.ApiClient, namespace: str, name: str, status: str, reason: str
) -> None:
    condition = {
        "type": "Synced",
        "status": status,
        "reason": reason,
        "message": "from the test",
        "lastTransitionTime": STUCK_AT,
    }
    await client.CustomObjectsApi(api).patch_namespaced_custom_object_status(  # type: ignore[call-arg,unused-ignore]
        GROUP,
        VERSION,
        namespace,
        PLURAL,
        name,
        {"status": {"conditions": [condition]}},
        _content_type="application/merge-patch+json",
    )


async def stuck_series(port: int) -> dict[tuple[str, str, str], Any]:
    status, text = await http_get(port, "/metrics")
    assert status == 200
    return {
        (s.labels["namespace"], s.labels["name"], s.labels["reason"]): s.value
        for family in text_string_to_metric_families(text)
        if family.name == METRIC
        for s in family.samples
    }


async def test_a_resource_stuck_unsynced_is_named_until_it_syncs_or_goes(
    api: client.ApiClient, namespace: str
) -> None:
    for name in ("refused", "healthy", "deleted"):
        await create_object(api, namespace, name)
    await set_synced(api, namespace, "refused", "False", "ValidationException")
    await set_synced(api, namespace, "healthy", "True", "Synced")
    await set_synced(api, namespace, "deleted", "False", "InUse")
    manager, _ = manager_for(api, namespace, "metrics")
    stop = asyncio.Event()
    running = asyncio.create_task(manager.run(stop))
    try:
        since = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
        want = {
            (namespace, "refused", "ValidationException"): since,
            (namespace, "deleted", "InUse"): since,
        }

        async def served() -> bool:
            port = manager.servers["metrics"].port  # bound once the manager has started
            return bool(port) and await stuck_series(port) == want

        await eventually(served, within=15)

        await set_synced(api, namespace, "refused", "True", "Synced")
        await client.CustomObjectsApi(api).delete_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, "deleted"
        )
        want = {}
        await eventually(served, within=15)
    finally:
        stop.set()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
