"""Two replicas with leader election, as Pods: the leader deleted mid-burst, then a rollout
restart mid-burst. The other replica leads within the lease duration, every job completes,
and SageMaker sees exactly one CreateTrainingJob per job."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from e2e.conftest import E2E
from e2e.install import (
    DEPLOYMENT,
    INSTALLER,
    SYSTEM_NAMESPACE,
    emulator_admin,
    get,
    kustomization,
    operator_pods,
    sample,
    wait_available,
    wait_for_status,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

LEASE = "sagemaker-k8s-operator-leader-election"
LEASE_DURATION_SECONDS = 15.0  # the operator's default --leader-election-lease-duration
BURST = 12
NAMESPACE = "burst"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def two_replicas(e2e: E2E) -> AsyncIterator[E2E]:
    folder = kustomization(e2e, INSTALLER, e2e.work / "two-replicas", replicas=2)
    await e2e.kubectl("apply", "--server-side", "-k", str(folder))
    await e2e.kubectl("create", "namespace", NAMESPACE)
    await wait_available(e2e, SYSTEM_NAMESPACE, DEPLOYMENT)
    yield e2e
    await e2e.kubectl("delete", "trainingjobs", "--all", "-n", NAMESPACE, "--timeout=120s")
    await e2e.kubectl("delete", "-k", str(folder), "--timeout=120s", check=False)
    await e2e.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)


async def test_leader_pod_deleted_mid_burst(two_replicas: E2E) -> None:
    leader = await _leader_pod(two_replicas)
    await _reset_requests(two_replicas)
    names = await _burst(two_replicas, "leader-deleted")
    deleted_at = time.monotonic()
    await two_replicas.kubectl("delete", "pod", leader, "-n", SYSTEM_NAMESPACE, "--wait=false")
    new_leader = await _wait_new_leader(two_replicas, leader)
    took = time.monotonic() - deleted_at
    print(f"{new_leader} leads {took:.1f}s after {leader} was deleted")
    assert took < LEASE_DURATION_SECONDS, took
    await _all_complete(two_replicas, names)
    assert await _creates(two_replicas) == BURST


async def test_rollout_restart_mid_burst(two_replicas: E2E) -> None:
    await wait_available(two_replicas, SYSTEM_NAMESPACE, DEPLOYMENT)
    await _reset_requests(two_replicas)
    names = await _burst(two_replicas, "rollout")
    await two_replicas.kubectl(
        "rollout", "restart", f"deployment/{DEPLOYMENT}", "-n", SYSTEM_NAMESPACE
    )
    await wait_available(two_replicas, SYSTEM_NAMESPACE, DEPLOYMENT)
    await _all_complete(two_replicas, names)
    assert await _creates(two_replicas) == BURST


async def _burst(e2e: E2E, prefix: str) -> list[str]:
    """BURST training jobs in one `kubectl apply`, as a user's script would send them."""
    items: list[dict[str, Any]] = []
    for index in range(BURST):
        job = sample("trainingjob")
        job["metadata"] = {"name": f"{prefix}-{index}", "namespace": NAMESPACE}
        items.append(job)
    await e2e.kubectl(
        "apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    )
    return [item["metadata"]["name"] for item in items]


async def _all_complete(e2e: E2E, names: list[str]) -> None:
    for name in names:
        await wait_for_status(
            e2e, "TrainingJob", name, "trainingJobStatus", "Completed", NAMESPACE, seconds=240
        )


async def _leader_pod(e2e: E2E) -> str:
    """The Pod whose name the Lease's holder identity carries."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lease = await get(e2e, "lease", LEASE, "-n", SYSTEM_NAMESPACE)
        holder = lease["spec"].get("holderIdentity") or ""
        for pod in await operator_pods(e2e):
            name: str = pod["metadata"]["name"]
            if holder.startswith(name) and pod["metadata"].get("deletionTimestamp") is None:
                return name
        await asyncio.sleep(0.5)
    raise AssertionError("no operator Pod holds the lease")


async def _wait_new_leader(e2e: E2E, old: str) -> str:
    deadline = time.monotonic() + LEASE_DURATION_SECONDS * 3
    while time.monotonic() < deadline:
        lease = await get(e2e, "lease", LEASE, "-n", SYSTEM_NAMESPACE)
        holder: str = lease["spec"].get("holderIdentity") or ""
        if holder and not holder.startswith(old):
            return holder
        await asyncio.sleep(0.2)
    raise AssertionError(f"nobody took the lease from {old}")


async def _reset_requests(e2e: E2E) -> None:
    await emulator_admin(e2e, "DELETE", "/requests")


async def _creates(e2e: E2E) -> int:
    """CreateTrainingJob calls that reached SageMaker, failed ones included."""
    snapshot = await emulator_admin(e2e, "GET", "/requests?limit=0")
    count: int = snapshot["arrived"].get("CreateTrainingJob", 0)
    return count
