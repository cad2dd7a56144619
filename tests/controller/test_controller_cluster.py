"""Controller workers against the real apiserver: results, errors, owned kinds, cache reads."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import structlog
from kubernetes_asyncio import client

from controller.controller import Controller, ControllerRegistration
from controller.informer import WatchSettings
from controller.metrics import Metrics
from controller.rate_limiter import BackoffSettings, ExponentialBackoffLimiter
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from tests.controller.kube_helpers import (
    GADGET,
    WIDGET,
    create_object,
    eventually,
    patch_spec,
)

pytestmark = pytest.mark.cluster

FAST = WatchSettings(watch_timeout_seconds=10, read_grace_seconds=2.0)


class ScriptedReconciler:
    """Behaves by the widget's name; records what it read from the cache."""

    def __init__(self, context: ReconcileContext) -> None:
        self.context = context
        self.calls: Counter[str] = Counter()
        self.sizes_seen: dict[str, list[int]] = {}
        self.in_flight: set[ObjectKey] = set()
        self.overlaps = 0

    async def reconcile(self, key: ObjectKey) -> Result:
        if key in self.in_flight:
            self.overlaps += 1
        self.in_flight.add(key)
        try:
            await asyncio.sleep(0.01)
            return self._decide(key)
        finally:
            self.in_flight.discard(key)

    def _decide(self, key: ObjectKey) -> Result:
        self.calls[key.name] += 1
        count = self.calls[key.name]
        obj = self.context.cache.get(key)
        if obj is not None:
            self.sizes_seen.setdefault(key.name, []).append(obj["spec"]["size"])
        if key.name == "flaky" and count <= 2:
            raise RuntimeError(f"transient failure {count}")
        if key.name == "poll" and count <= 3:
            return Result.after(0.05)
        if key.name == "again" and count <= 2:
            return Result.requeue_with_backoff()
        return Result.done()


def build(
    api: client.ApiClient, namespace: str, metrics: Metrics
) -> tuple[Controller, list[ScriptedReconciler]]:
    built: list[ScriptedReconciler] = []

    def factory(context: ReconcileContext) -> ScriptedReconciler:
        built.append(ScriptedReconciler(context))
        return built[-1]

    registration = ControllerRegistration(
        name="widget", kind=WIDGET, reconciler_factory=factory, owned=(GADGET,), concurrency=3
    )
    limiter = ExponentialBackoffLimiter(BackoffSettings(base_seconds=0.01, cap_seconds=0.05))
    controller = Controller(
        registration,
        api,
        metrics=metrics,
        namespaces=[namespace],
        watch_settings=FAST,
        rate_limiter=limiter,
    )
    return controller, built


async def test_results_errors_and_owned_kinds_drive_the_queue(
    api: client.ApiClient, namespace: str
) -> None:
    metrics = Metrics()
    controller, built = build(api, namespace, metrics)
    reconciler = built[0]
    owner: dict[str, Any] = await create_object(api, namespace, "ok")
    informers = asyncio.create_task(controller.run_informers())
    workers = asyncio.create_task(controller.run_workers())
    sample = metrics.registry.get_sample_value

    def total(result: str) -> float:
        return (
            sample("controller_runtime_reconcile_total", {"controller": "widget", "result": result})
            or 0.0
        )

    try:
        with structlog.testing.capture_logs(
            processors=[structlog.contextvars.merge_contextvars]
        ) as logs:
            await eventually(lambda: reconciler.calls["ok"] == 1, within=10)
            for name in ("flaky", "poll", "again"):
                await create_object(api, namespace, name)
            await eventually(lambda: reconciler.calls["flaky"] == 3, within=10)
            await eventually(lambda: reconciler.calls["poll"] == 4, within=10)
            await eventually(lambda: reconciler.calls["again"] == 3, within=10)
        assert total("error") == 2
        assert sample("controller_runtime_reconcile_errors_total", {"controller": "widget"}) == 2
        assert total("requeue_after") == 3
        assert total("requeue") == 2
        assert total("success") == 4
        assert controller.queue.num_requeues(ObjectKey(namespace, "flaky")) == 0, "forgotten"
        assert sample("controller_runtime_max_concurrent_reconciles", {"controller": "widget"}) == 3

        failures = [e for e in logs if e["event"] == "reconcile_failed"]
        assert len(failures) == 2  # "transient failure 1", then "... 2": a different message
        assert failures[0]["error_type"] == "RuntimeError"
        assert failures[0]["error"] == "transient failure 1"
        assert "exc_info" not in failures[0], "the traceback goes to a debug line"
        assert failures[0]["controller"] == "widget"
        assert failures[0]["namespace"] == namespace
        assert failures[0]["name"] == "flaky"
        assert failures[0]["reconcile_id"] != failures[1]["reconcile_id"]

        # The reconciler reads the cache, and an update shows up there before it runs.
        await patch_spec(api, namespace, "ok", {"size": 5})
        await eventually(lambda: reconciler.sizes_seen["ok"][-1:] == [5], within=10)

        # A change to an owned Gadget enqueues its controlling Widget.
        before = reconciler.calls["ok"]
        await create_object(api, namespace, "part", kind=GADGET, owner=owner)
        await eventually(lambda: reconciler.calls["ok"] > before, within=10)
        assert "part" not in reconciler.calls
        assert reconciler.overlaps == 0
    finally:
        await controller.shut_down(2.0)
        workers.cancel()
        informers.cancel()
        await asyncio.gather(workers, informers, return_exceptions=True)


async def test_workers_start_with_every_cached_key(api: client.ApiClient, namespace: str) -> None:
    for i in range(5):
        await create_object(api, namespace, f"pre-{i}")
    metrics = Metrics()
    controller, built = build(api, namespace, metrics)
    informers = asyncio.create_task(controller.run_informers())
    try:
        await asyncio.wait_for(controller.informer.wait_synced(), 10)
        await asyncio.sleep(0.2)
        assert built[0].calls == Counter(), "a standby (no workers yet) reconciles nothing"
        workers = asyncio.create_task(controller.run_workers())
        await eventually(lambda: len(built[0].calls) == 5, within=10)
        await controller.shut_down(2.0)
        await asyncio.wait_for(workers, 5)
    finally:
        informers.cancel()
        await asyncio.gather(informers, return_exceptions=True)
