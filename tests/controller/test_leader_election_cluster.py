"""Two manager processes on one Lease: one reconciles; kill -9 or SIGTERM hands over.

Leases in these tests: duration 3 s, renew deadline 2 s, retry period 0.5 s. The waits are
bounded by what the issue promises: a killed leader is replaced within the lease duration
(plus the retry period the standby needs to notice), a cleanly stopped one within one retry
period (plus client-go's 1.2 jitter and process exit).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from kubernetes_asyncio import client
from prometheus_client.parser import text_string_to_metric_families

from local_cluster import ControlPlane
from tests.controller.kube_helpers import create_object, eventually, list_widgets

pytestmark = pytest.mark.cluster

LEASE_SECONDS, RENEW_SECONDS, RETRY_SECONDS = 3.0, 2.0, 0.5
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Candidate:
    identity: str
    process: asyncio.subprocess.Process
    metrics_port: int
    health_port: int
    log: Path

    async def get(self, port: int, path: str) -> tuple[int, str]:
        timeout = aiohttp.ClientTimeout(total=2)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"http://127.0.0.1:{port}{path}") as response,
        ):
            return response.status, await response.text()

    async def ready(self) -> bool:
        try:
            status, _ = await self.get(self.health_port, "/readyz")
        except (aiohttp.ClientError, TimeoutError):
            return False
        return status == 200

    async def metric(self, name: str, labels: dict[str, str] | None = None) -> float:
        _, text = await self.get(self.metrics_port, "/metrics")
        total = 0.0
        wanted = labels or {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                matches = all(sample.labels.get(k) == v for k, v in wanted.items())
                if sample.name == name and matches:
                    total += sample.value
        return total


async def start_candidate(
    plane: ControlPlane, namespace: str, identity: str, tmp_path: Path
) -> Candidate:
    metrics_port, health_port = free_port(), free_port()
    log = tmp_path / f"{identity}.log"
    argv = [
        sys.executable, "-m", "tests.controller.candidate",
        "--kubeconfig", str(plane.kubeconfig),
        "--namespace", namespace,
        "--leader-elect",
        "--leader-election-id", "widget-operator",
        "--leader-election-namespace", namespace,
        "--leader-election-identity", identity,
        "--leader-election-lease-duration", str(LEASE_SECONDS),
        "--leader-election-renew-deadline", str(RENEW_SECONDS),
        "--leader-election-retry-period", str(RETRY_SECONDS),
        "--metrics-addr", f"127.0.0.1:{metrics_port}",
        "--health-probe-bind-address", f"127.0.0.1:{health_port}",
        "--graceful-shutdown-timeout", "5",
        "--log-format", "console",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=REPO, stdout=sink, stderr=sink, env={**os.environ, "PYTHONPATH": str(REPO)}
        )
    candidate = Candidate(identity, process, metrics_port, health_port, log)
    await eventually(candidate.ready, within=30, interval=0.1)
    return candidate


async def stop_candidate(candidate: Candidate) -> None:
    if candidate.process.returncode is None:
        candidate.process.kill()
        await candidate.process.wait()


async def lease_holder(
    api: client.ApiClient, namespace: str, lease_name: str = "widget-operator"
) -> str | None:
    """The Lease's holder ("" once released), or None while the Lease does not exist."""
    try:
        lease = await client.CoordinationV1Api(api).read_namespaced_lease(lease_name, namespace)
    except client.exceptions.ApiException as error:
        if error.status == 404:
            return None
        raise
    return str(lease.spec.holder_identity or "")


async def reconciled_by(api: client.ApiClient, namespace: str) -> dict[str, str]:
    widgets = await list_widgets(api, namespace)
    return {name: (w.get("status") or {}).get("reconciledBy", "") for name, w in widgets.items()}


@pytest_asyncio.fixture(loop_scope="session")
async def pair(
    widget_cluster: ControlPlane, api: client.ApiClient, namespace: str, tmp_path: Path
) -> AsyncIterator[tuple[Candidate, Candidate]]:
    first = await start_candidate(widget_cluster, namespace, "first", tmp_path)
    await eventually(lambda: lease_holder(api, namespace), within=10)
    second = await start_candidate(widget_cluster, namespace, "second", tmp_path)
    holder = await lease_holder(api, namespace)
    assert holder in ("first", "second")
    leader, standby = (first, second) if holder == "first" else (second, first)
    try:
        yield leader, standby
    finally:
        for candidate in (first, second):
            await stop_candidate(candidate)


async def test_exactly_one_reconciles_and_a_killed_leader_is_replaced(
    pair: tuple[Candidate, Candidate], api: client.ApiClient, namespace: str
) -> None:
    leader, standby = pair
    for i in range(6):
        await create_object(api, namespace, f"w{i}")

    async def all_by(identity: str) -> bool:
        stamps = await reconciled_by(api, namespace)
        return bool(stamps) and set(stamps.values()) == {identity}

    await eventually(lambda: all_by(leader.identity), within=15, interval=0.1)
    assert await standby.metric("controller_runtime_reconcile_total") == 0
    assert await leader.metric("controller_runtime_reconcile_total") >= 6
    assert await leader.metric("leader_election_master_status") == 1
    assert await standby.metric("leader_election_master_status") == 0

    leader.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    await leader.process.wait()
    await eventually(
        lambda: _holder_is(api, namespace, standby.identity),
        within=LEASE_SECONDS + 2 * RETRY_SECONDS + 1.0,
        interval=0.05,
    )
    print(f"takeover after kill -9: {time.monotonic() - killed_at:.2f}s (lease {LEASE_SECONDS}s)")
    await create_object(api, namespace, "after-kill")
    await eventually(lambda: all_by(standby.identity), within=15, interval=0.1)
    assert await standby.metric("leader_election_master_status") == 1


async def _holder_is(api: client.ApiClient, namespace: str, identity: str) -> bool:
    return await lease_holder(api, namespace) == identity


async def test_a_cleanly_stopped_leader_releases_and_the_standby_takes_over_at_once(
    pair: tuple[Candidate, Candidate], api: client.ApiClient, namespace: str
) -> None:
    leader, standby = pair
    leader.process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(leader.process.wait(), 15)
    exited_at = time.monotonic()
    assert code == 0, leader.log.read_text()[-2000:]
    assert "leader_election_released" in leader.log.read_text()
    await eventually(
        lambda: _holder_is(api, namespace, standby.identity),
        within=RETRY_SECONDS * 1.2 + 0.5,
        interval=0.02,
    )
    print(f"takeover after release: <= {time.monotonic() - exited_at:.2f}s after exit")
    await create_object(api, namespace, "after-release")
    await eventually(lambda: _stamped(api, namespace, "after-release", standby.identity), within=10)


async def _stamped(api: client.ApiClient, namespace: str, name: str, identity: str) -> bool:
    return (await reconciled_by(api, namespace)).get(name) == identity
