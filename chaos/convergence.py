"""When a scenario's resources have settled, read from the apiserver as a user would.

A TrainingJob has settled when its status is terminal (Completed, Failed, Stopped); a
HostingDeployment when its endpoint is InService with the spec's generation acted on, or
Failed. A wrongly Failed resource has settled too (it will not move again): the verdict
counts it apart. The waiting polls lists of the scenario's namespace, so the time to
converge is exact to one poll interval.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from kubernetes_asyncio.client.exceptions import ApiException
from operator_stack import GROUP, REQUEST_SECONDS, VERSION

from chaos.workload import HOSTING_PLURAL, JOB_PLURAL, Workload

JOB_TERMINAL = ("Completed", "Failed", "Stopped")
Objects = dict[str, dict[str, Any]]  # by metadata.name


def status(obj: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = obj.get("status") or {}
    return found


def job_settled(job: dict[str, Any]) -> bool:
    return status(job).get("trainingJobStatus") in JOB_TERMINAL


def hosting_settled(hosting: dict[str, Any]) -> bool:
    seen = status(hosting)
    if seen.get("endpointStatus") == "Failed":
        return True
    return (
        seen.get("endpointStatus") == "InService"
        and seen.get("observedGeneration") == hosting["metadata"].get("generation")
        and bool(seen.get("endpointConfigName"))
    )


@dataclass
class Snapshot:
    jobs: Objects = field(default_factory=dict)
    hostings: Objects = field(default_factory=dict)

    def unsettled(self, workload: Workload) -> list[str]:
        waiting = [name for name in workload.jobs if not job_settled(self.jobs.get(name) or {})]
        waiting += [
            name
            for name in workload.hostings
            if not hosting_settled(self.hostings.get(name) or {"metadata": {}})
        ]
        return waiting


async def read(objects: Any, namespace: str) -> Snapshot:
    """Both kinds in the namespace; raises while the apiserver cannot answer."""
    found = Snapshot()
    for plural, into in ((JOB_PLURAL, found.jobs), (HOSTING_PLURAL, found.hostings)):
        listed = await objects.list_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, _request_timeout=REQUEST_SECONDS
        )
        into.update((item["metadata"]["name"], item) for item in listed["items"])
    return found


async def read_when_possible(objects: Any, namespace: str, seconds: float) -> Snapshot:
    """``read``, retried while the apiserver is unreachable (it may be restarting)."""
    async with asyncio.timeout(seconds):
        while True:
            try:
                return await read(objects, namespace)
            except (ApiException, aiohttp.ClientError, TimeoutError, OSError):
                await asyncio.sleep(1.0)


@dataclass
class Convergence:
    settled_at: float | None  # time.monotonic() when everything had settled, if it did
    snapshot: Snapshot  # the last one read
    unsettled: list[str]


async def wait_settled(
    objects: Any, namespace: str, workload: Workload, until: float, poll: float
) -> Convergence:
    """Poll until every resource has settled, or ``until`` (time.monotonic()) has passed."""
    snapshot = Snapshot()
    unsettled = list(workload.jobs + workload.hostings)
    while True:
        try:
            snapshot = await read(objects, namespace)
            unsettled = snapshot.unsettled(workload)
            if not unsettled:
                return Convergence(time.monotonic(), snapshot, [])
        except (ApiException, aiohttp.ClientError, TimeoutError, OSError):
            pass  # the apiserver may be restarting; the next poll tries again
        if time.monotonic() + poll > until:
            return Convergence(None, snapshot, unsettled)
        await asyncio.sleep(poll)
