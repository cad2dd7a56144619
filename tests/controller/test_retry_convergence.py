"""After an outage, every key that failed through it converges within its backoff cap.

Eighty objects fail together for a minute (SageMaker is down, say). Their keys come back
through two doors: their own backoff (capped at 10 s here), and informer events, which keep
arriving for failing objects (the operator's status writes that record the failure, other
writers; here each object is touched every 5 s). Then the fault clears. Each key is due
again within its cap, so every one must have succeeded by the end of the outage plus the
cap. With a shared token bucket that *books* a slot for every failure, the failures of
event-driven passes booked slots their keys never used, and the last keys came due about
two minutes after the outage. What that bucket protected is still there: during the outage
the reconcile attempts stay within the retry budget (10/s, burst 100), events or not.

The controller is the manager's own (limiter, cap, budget), run on a virtual-time event
loop, so the times asserted are exact and the test takes no wall time worth mentioning.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, cast

from kubernetes_asyncio.client import ApiClient

from controller.controller import Controller, ControllerRegistration
from controller.manager import Manager
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from tests.controller.kube_helpers import WIDGET
from tests.controller.virtual_time import run_in_virtual_time

KEYS, CAP, OUTAGE, TOUCH_EVERY = 80, 10.0, 60.0, 5.0
BUDGET_RATE, BUDGET_BURST = 10.0, 100


class OutageReconciler:
    """Fails (after a 1 ms request) until the outage is over, then succeeds."""

    def __init__(self, context: ReconcileContext) -> None:
        self.context = context
        self.outage = True
        self.attempts_during_outage = 0
        self.converged_at: dict[ObjectKey, float] = {}

    async def reconcile(self, key: ObjectKey) -> Result:
        await asyncio.sleep(0.001)
        if self.outage:
            self.attempts_during_outage += 1
            raise ConnectionError("SageMaker unavailable")
        self.converged_at.setdefault(key, asyncio.get_running_loop().time())
        return Result.done()


def widget(i: int, version: int) -> dict[str, Any]:
    return {"metadata": {"namespace": "ns", "name": f"w{i}", "resourceVersion": str(version)}}


async def touch_during_outage(controller: Controller, reconciler: OutageReconciler) -> None:
    """An informer event for every object every TOUCH_EVERY seconds, staggered."""
    informer = controller.informer
    version = 1
    while reconciler.outage:
        for i in range(KEYS):
            await asyncio.sleep(TOUCH_EVERY / KEYS)
            if not reconciler.outage:
                return
            version += 1
            change = informer.cache.apply("MODIFIED", widget(i, version))
            if change is not None:
                informer.reflectors[0].emit(change)


async def outage_then_recovery() -> OutageReconciler:
    built: list[OutageReconciler] = []

    def factory(context: ReconcileContext) -> OutageReconciler:
        built.append(OutageReconciler(context))
        return built[-1]

    options = ManagerOptions(
        metrics_bind_address="0",
        health_probe_bind_address="0",
        namespaces=("ns",),
        max_retry_backoff_seconds=CAP,
    )
    registration = ControllerRegistration("widget", WIDGET, factory, concurrency=4)
    # No request reaches an apiserver: the informer is filled by hand, as if listed.
    manager = Manager(options, cast(ApiClient, object()), [registration])
    [controller] = manager.controllers
    controller.informer.cache.replace("ns", [widget(i, 1) for i in range(KEYS)])
    for reflector in controller.informer.reflectors:
        reflector.synced.set()
    reconciler = built[0]
    started = asyncio.get_running_loop().time()
    workers = asyncio.create_task(controller.run_workers())
    touching = asyncio.create_task(touch_during_outage(controller, reconciler))
    await asyncio.sleep(OUTAGE)
    reconciler.outage = False
    await touching
    await asyncio.sleep(CAP * 20)
    await controller.shut_down(1.0)
    await asyncio.gather(workers, return_exceptions=True)
    reconciler.converged_at = {k: t - started for k, t in reconciler.converged_at.items()}
    return reconciler


def test_keys_that_failed_through_an_outage_converge_within_their_backoff_cap() -> None:
    random.seed(7)  # the backoff's jitter; the bounds below hold for any draw
    reconciler = run_in_virtual_time(outage_then_recovery())
    assert len(reconciler.converged_at) == KEYS
    last = max(reconciler.converged_at.values())
    assert last <= OUTAGE + CAP + 1.0, f"the last key converged {last - OUTAGE:.1f}s after"
    # The retry budget still bounds the load a failing dependency sees: the first attempt
    # of each key, the burst, and the budget's rate for the rest of the outage.
    assert reconciler.attempts_during_outage <= KEYS + BUDGET_BURST + BUDGET_RATE * OUTAGE
