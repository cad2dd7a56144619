"""The namespace-scoped install of the user guide: crd.yaml, then operator.yaml with
PLACEHOLDER-NAMESPACE replaced the way the guide's `sed` does; it reconciles its own
namespace and cannot touch another."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from e2e.conftest import E2E, REPO
from e2e.install import DEPLOYMENT, kustomization, sample, wait_available, wait_for_status

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAMESPACED = REPO / "release" / "rolebased" / "namespaced"
OURS = "team-a"
OTHER = "team-other"
SERVICE_ACCOUNT = f"system:serviceaccount:{OURS}:sagemaker-k8s-operator-default"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def namespaced(e2e: E2E) -> AsyncIterator[E2E]:
    await e2e.kubectl("apply", "--server-side", "-f", str(NAMESPACED / "crd.yaml"))
    for namespace in (OURS, OTHER):
        await e2e.kubectl("create", "namespace", namespace)
    folder = e2e.work / "namespaced"
    folder.mkdir()
    # sed -i -e 's/PLACEHOLDER-NAMESPACE/<YOUR NAMESPACE>/g' operator.yaml
    operator = folder / "operator.yaml"
    await e2e.run("cp", str(NAMESPACED / "operator.yaml"), str(operator))
    await e2e.run("sed", "-i", "-e", f"s/PLACEHOLDER-NAMESPACE/{OURS}/g", str(operator))
    kustomization(e2e, operator, folder / "kustomized")
    await e2e.kubectl("apply", "-k", str(folder / "kustomized"))
    yield e2e
    await e2e.kubectl("delete", "-k", str(folder / "kustomized"), "--wait=false", check=False)
    for namespace in (OURS, OTHER):
        await e2e.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


async def test_reconciles_its_namespace(namespaced: E2E) -> None:
    await wait_available(namespaced, OURS, DEPLOYMENT)
    document = sample("trainingjob")
    await namespaced.kubectl("apply", "-n", OURS, "-f", "-", stdin=json.dumps(document))
    name = document["metadata"]["name"]
    await wait_for_status(namespaced, "TrainingJob", name, "trainingJobStatus", "Completed", OURS)


async def test_cannot_touch_another_namespace(namespaced: E2E) -> None:
    document = sample("trainingjob")
    document["metadata"]["name"] = "not-ours"
    await namespaced.kubectl("apply", "-n", OTHER, "-f", "-", stdin=json.dumps(document))
    # Its RBAC is a Role in its namespace only: the apiserver itself says no elsewhere.
    for verb, resource in (("list", "trainingjobs"), ("patch", "trainingjobs/status")):
        answer = await namespaced.kubectl(
            "auth", "can-i", verb, resource, "-n", OTHER, "--as", SERVICE_ACCOUNT, check=False
        )
        assert answer.strip().startswith("no"), (verb, resource, answer)
        assert (
            await namespaced.kubectl(
                "auth", "can-i", verb, resource, "-n", OURS, "--as", SERVICE_ACCOUNT
            )
        ).strip() == "yes"
    # Longer than the sample took to complete in its own namespace: still untouched.
    await asyncio.sleep(15)
    listed = json.loads(
        await namespaced.kubectl("get", "trainingjob", "not-ours", "-n", OTHER, "-o", "json")
    )
    assert "status" not in listed or not listed["status"], listed["status"]
    assert not listed["metadata"].get("finalizers"), listed["metadata"]
