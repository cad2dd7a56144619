"""A leader whose renewals hang stops reconciling before a standby can take the Lease.

The leader (an in-process manager) reaches the real apiserver through an HTTP proxy; at some
point its Lease reads turn slow (each read still inside the request timeout) and its Lease
writes hang. A standby elector, talking to the apiserver directly, takes the Lease once it
has not changed for the lease duration. Between the two, only the renew deadline keeps the
old leader from reconciling alongside the new one: its work must have stopped before the
standby leads. No figure is asserted, only that order.

Timing: lease 4 s, renew deadline 3 s, retry period 2.9 s, so a request may take 1.5 s
(``min(retry, renew / 2)``) and one renewal attempt (a slow read, a hung write) about 2.5 s:
started just before the deadline, it ends long after the lease has expired. Bounded by the
deadline, the leader stops about a second before the standby can take over.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from kubernetes_asyncio import client

from controller.controller import ControllerRegistration
from controller.informer import WatchSettings
from controller.leader_election import LeaderElectionConfig, LeaderElector
from controller.manager import EXIT_LEADERSHIP_LOST, Manager
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from local_cluster import ControlPlane
from tests.controller.http_fault_proxy import FaultProxy, Rule
from tests.controller.kube_helpers import WIDGET, api_for, create_object, eventually

pytestmark = pytest.mark.cluster

LEASE, RENEW, RETRY = 4.0, 3.0, 2.9
SLOW_READ = 1.0  # under the 1.5 s request timeout: the read succeeds, slowly
LEASE_NAME = "renewal-test"


class BusyReconciler:
    """Polls its object every 50 ms, as a job poller does; records when it did anything."""

    def __init__(self, activity: list[float]) -> None:
        self.activity = activity

    async def reconcile(self, key: ObjectKey) -> Result:
        self.activity.append(time.monotonic())
        try:
            await asyncio.sleep(0.01)  # a SageMaker call
        finally:
            self.activity.append(time.monotonic())
        return Result.after(0.05)


async def test_a_leader_whose_renewals_hang_stops_before_a_standby_can_take_over(
    widget_cluster: ControlPlane, api: client.ApiClient, namespace: str
) -> None:
    proxy = FaultProxy(widget_cluster)
    await proxy.start()
    routed = await api_for(widget_cluster.kubeconfig, host=proxy.url)
    activity: list[float] = []

    def factory(context: ReconcileContext) -> BusyReconciler:
        return BusyReconciler(activity)

    options = ManagerOptions(
        metrics_bind_address="0",
        health_probe_bind_address="0",
        leader_elect=True,
        leader_election_id=LEASE_NAME,
        leader_election_namespace=namespace,
        leader_election_identity="leader",
        lease_duration_seconds=LEASE,
        renew_deadline_seconds=RENEW,
        retry_period_seconds=RETRY,
        namespaces=(namespace,),
        graceful_shutdown_timeout_seconds=5.0,
    )
    manager = Manager(
        options,
        routed,
        [ControllerRegistration("widget", WIDGET, factory)],
        watch_settings=WatchSettings(watch_timeout_seconds=60, read_grace_seconds=5.0),
    )
    standby = LeaderElector(
        api,
        LeaderElectionConfig(
            LEASE_NAME, namespace, "standby", LEASE, RENEW, retry_period_seconds=0.2
        ),
    )
    await create_object(api, namespace, "busy")
    running = asyncio.create_task(manager.run(asyncio.Event()))
    acquiring: asyncio.Task[None] | None = None
    try:
        await eventually(lambda: len(activity) >= 6, within=30)  # leading and reconciling
        acquiring = asyncio.create_task(standby.acquire())
        await asyncio.sleep(0.5)  # the standby has read the Lease and watches it change
        proxy.rules = [
            Rule("GET", f"/leases/{LEASE_NAME}", header_delay=SLOW_READ),
            Rule("PUT", f"/leases/{LEASE_NAME}", hang=True),
        ]
        await asyncio.wait_for(acquiring, 30)
        taken_over_at = time.monotonic()
        assert await asyncio.wait_for(running, 30) == EXIT_LEADERSHIP_LOST
        last_work = max(activity)
        assert last_work < taken_over_at, (
            f"the old leader worked {last_work - taken_over_at:.2f}s after the standby led"
        )
    finally:
        for task in (running, acquiring):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await routed.close()
        await proxy.stop()
