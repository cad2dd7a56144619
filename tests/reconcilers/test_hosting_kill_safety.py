"""A HostingDeployment survives SIGKILL at every step: one endpoint, no orphan, no duplicate.

The real `sagemaker-operator` process is killed while a SageMaker call is in flight (the
emulator holds the call, and carries it out even though its caller is gone), then a second
process takes over. Afterwards SageMaker holds exactly the models, configuration and
endpoint that the resource's status names, or nothing once the resource is deleted.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_cluster import ControlPlane
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, sample
from tests.reconcilers.hosting import referenced, sagemaker_names, uid_of
from tests.reconcilers.test_hosting_lifecycle import patch_spec
from tests.reconcilers.test_hosting_updates import IMAGE, new_image, settled
from tests.reconcilers.test_no_duplicates import operator_process

KIND = "HostingDeployment"


@dataclass(frozen=True)
class KillPoint:
    phase: str  # create, update or delete
    operation: str  # the call in flight when the operator dies


POINTS = [
    KillPoint("create", "CreateEndpointConfig"),  # models made
    KillPoint("create", "CreateEndpoint"),  # models and configuration made
    KillPoint("update", "CreateEndpointConfig"),  # new models made
    KillPoint("update", "UpdateEndpoint"),  # new models and configuration made
    KillPoint("delete", "DeleteEndpoint"),
    KillPoint("delete", "DeleteEndpointConfig"),  # endpoint gone
]


async def wait_until(condition: Any, seconds: float = 60.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("point", POINTS, ids=[f"{p.phase}-{p.operation}" for p in POINTS])
async def test_killed_at_each_step_converges_without_orphans(
    kube: Kube,
    emulator: RunningEmulator,
    sagemaker_crds: ControlPlane,
    tmp_path: Path,
    point: KillPoint,
) -> None:
    name = f"kill-{point.phase}"
    created = await kube.create(sample(KIND, name))
    uid = uid_of(created)
    requests = emulator.control.requests
    first = await operator_process(sagemaker_crds, emulator, kube.namespace, tmp_path / "1.log")
    try:
        if point.phase != "create":
            ready = await kube.wait_for_status(KIND, name, "InService", seconds=60)
        emulator.control.inject("latency", operation=point.operation, latency=2.5, times=1)
        before = requests.arrived[point.operation]
        if point.phase == "update":
            await patch_spec(kube, KIND, name, new_image(ready, IMAGE))
        elif point.phase == "delete":
            await kube.delete(KIND, name)
        await wait_until(lambda: requests.arrived[point.operation] > before)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    # The emulator carries out the held call although its caller is gone.
    await wait_until(lambda: requests.count(operation=point.operation) > before)

    done: dict[str, Any] | None = None
    second = await operator_process(sagemaker_crds, emulator, kube.namespace, tmp_path / "2.log")
    try:
        if point.phase == "delete":
            await kube.wait_for(KIND, name, lambda o: o is None, seconds=60, what="deletion")
        else:
            generation = 2 if point.phase == "update" else 1
            done = await kube.wait_for(KIND, name, settled(generation), seconds=60)
    finally:
        second.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await second.wait()
    found = await sagemaker_names(emulator, uid)
    if point.phase == "delete":
        assert found == {"Model": [], "EndpointConfig": [], "Endpoint": []}
    else:
        assert done is not None
        assert found == referenced(done)
        assert requests.count(operation="CreateEndpoint") == 1
