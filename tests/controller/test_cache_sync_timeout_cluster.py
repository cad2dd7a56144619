"""A leader whose cache cannot sync gives up, says which kind and why, and frees the Lease.

The kind here has no CRD, so the real apiserver answers its list with 404, as it would for
a CRD someone forgot to install (a namespace without RBAC answers 403, the same path).
"""

from __future__ import annotations

import asyncio

import pytest
import structlog
from kubernetes_asyncio import client

from controller.controller import ControllerRegistration
from controller.informer import WatchSettings
from controller.manager import EXIT_CACHE_SYNC_TIMEOUT, Manager
from controller.options import ManagerOptions
from controller.rate_limiter import BackoffSettings
from controller.reconcile import ReconcileContext, Result
from controller.resources import Kind, ObjectKey
from tests.controller.kube_helpers import GROUP, WIDGET
from tests.controller.test_leader_election_cluster import lease_holder

pytestmark = pytest.mark.cluster

MISSING = Kind(group=GROUP, version="v1", plural="gizmos", kind="Gizmo")


class NeverCalled:
    def __init__(self, context: ReconcileContext) -> None:
        self.context = context

    async def reconcile(self, key: ObjectKey) -> Result:
        raise AssertionError("nothing is reconciled before every cache has synced")


async def test_a_cache_that_cannot_sync_ends_the_leader_with_the_kind_and_the_error(
    api: client.ApiClient, namespace: str
) -> None:
    options = ManagerOptions(
        metrics_bind_address="0",
        health_probe_bind_address="0",
        leader_elect=True,
        leader_election_id="sync-test",
        leader_election_namespace=namespace,
        leader_election_identity="stuck",
        lease_duration_seconds=3.0,
        renew_deadline_seconds=2.0,
        retry_period_seconds=0.5,
        namespaces=(namespace,),
        cache_sync_timeout_seconds=2.0,
    )
    registration = ControllerRegistration("widget", WIDGET, NeverCalled, owned=(MISSING,))
    settings = WatchSettings(backoff=BackoffSettings(base_seconds=0.1, cap_seconds=0.5))
    manager = Manager(options, api, [registration], watch_settings=settings)
    with structlog.testing.capture_logs() as logs:
        code = await asyncio.wait_for(manager.run(asyncio.Event()), 60)
    assert code == EXIT_CACHE_SYNC_TIMEOUT
    [line] = [e for e in logs if e["event"] == "cache_sync_timed_out"]
    assert line["log_level"] == "error"
    assert line["kind"] == str(MISSING)
    assert "404" in line["error"]
    assert str(MISSING) in line["message"]
    # The Lease is free at once: another replica (or this pod, restarted) can try.
    assert await lease_holder(api, namespace, "sync-test") == ""
