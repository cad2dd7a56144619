"""An InService endpoint costs one DescribeEndpoint per drift period, and no status write."""

from __future__ import annotations

import asyncio
import time

from local_cluster import ControlPlane
from local_cluster.audit import status_writes
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.reconcilers.hosting import condition

DRIFT = 0.5  # seconds; 600 by default
CHECKS = 10


async def test_ten_drift_periods_cost_ten_describes_and_no_write(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    await kube.create(sample("HostingDeployment", "idle"))
    async with running_operator(kube, emulator.url, drift_check_interval_seconds=DRIFT):
        ready = await kube.wait_for_status("HostingDeployment", "idle", "InService")
        assert condition(ready, "Ready")["status"] == "True"
        await asyncio.sleep(DRIFT * 2)  # the pass that settled it, and its watch event, are over
        emulator.control.reset_requests()
        writes = status_writes(sagemaker_crds.audit_log, "hostingdeployments", kube.namespace)
        started = time.monotonic()
        async with asyncio.timeout(DRIFT * CHECKS * 3):
            while emulator.control.requests.count(operation="DescribeEndpoint") < CHECKS:
                await asyncio.sleep(0.01)
        elapsed = time.monotonic() - started
        calls = emulator.control.requests.total
        after = status_writes(sagemaker_crds.audit_log, "hostingdeployments", kube.namespace)
    # Ten checks cost ten calls and nothing else, at most one per drift period (±10% jitter).
    assert calls == CHECKS
    assert elapsed >= (CHECKS - 1) * DRIFT * 0.9
    assert after == writes
