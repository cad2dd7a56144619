"""A manager process for leader-election tests: the real CLI with a Widget controller.

Run as ``python -m tests.controller.candidate <sagemaker-operator flags>``. Its reconciler
stamps ``status.reconciledBy`` with this replica's identity, so a test can see who reconciled.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from kubernetes_asyncio import client
from prometheus_client import CollectorRegistry

from controller.__main__ import main
from controller.controller import ControllerRegistration
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from tests.controller.kube_helpers import GROUP, PLURAL, VERSION, WIDGET


class StampingReconciler:
    def __init__(self, context: ReconcileContext, identity: str) -> None:
        self.context = context
        self.identity = identity

    async def reconcile(self, key: ObjectKey) -> Result:
        obj = self.context.cache.get(key)
        if obj is None:
            return Result.done()
        if (obj.get("status") or {}).get("reconciledBy") == self.identity:
            return Result.done()
        await client.CustomObjectsApi(self.context.api).patch_namespaced_custom_object_status(
            GROUP,
            VERSION,
            key.namespace,
            PLURAL,
            key.name,
            {"status": {"reconciledBy": self.identity}},
            _content_type="application/merge-patch+json",
            _request_timeout=5,
        )
        return Result.done()


def registry(
    options: ManagerOptions, metrics_registry: CollectorRegistry
) -> Sequence[ControllerRegistration]:
    identity = options.leader_election_identity

    def factory(context: ReconcileContext) -> StampingReconciler:
        return StampingReconciler(context, identity)

    return [ControllerRegistration("widget", WIDGET, factory, concurrency=2)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], registry=registry))
