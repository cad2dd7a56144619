"""Every HostingDeployment shape users of the old operator apply, reconciled unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_cluster import ControlPlane
from sagemaker_emulator.testing import RunningEmulator
from tests.apis.samples import SHARED_SAMPLES, load, require_shared
from tests.reconcilers.harness import Kube, running_operator
from tests.reconcilers.hosting import referenced, sagemaker_names, uid_of
from tests.tools import kubectl

MANIFESTS = Path(__file__).resolve().parent / "manifests"
KIND = "HostingDeployment"


async def apply(plane: ControlPlane, kube: Kube, path: Path) -> None:
    """`kubectl apply -f` the file unchanged, as a user would."""
    (await kubectl(plane, "apply", "-n", kube.namespace, "-f", str(path))).check()


async def test_the_shared_sample_reaches_in_service(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    require_shared()
    path = SHARED_SAMPLES / "xgboost-mnist-hostingdeployment.yaml"
    name = load(path)["metadata"]["name"]
    await apply(sagemaker_crds, kube, path)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status(KIND, name, "InService")
    assert ready["status"]["endpointUrl"].startswith("https://runtime.sagemaker.us-east-2.")
    found = await sagemaker_names(emulator, uid_of(ready), region="us-east-2")
    assert found == referenced(ready)


@pytest.mark.parametrize(
    ("manifest", "containers"),
    [("hosting-multi-container.yaml", 2), ("hosting-multi-model.yaml", 1)],
)
async def test_old_operator_shapes_reach_in_service(
    kube: Kube,
    emulator: RunningEmulator,
    sagemaker_crds: ControlPlane,
    manifest: str,
    containers: int,
) -> None:
    path = MANIFESTS / manifest
    document = load(path)
    await apply(sagemaker_crds, kube, path)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status(KIND, document["metadata"]["name"], "InService")
    found = await sagemaker_names(emulator, uid_of(ready), region="us-west-2")
    assert found == referenced(ready)
    [model] = found["Model"]
    async with emulator.client("sagemaker", region="us-west-2") as sagemaker:
        described = await sagemaker.describe_model(ModelName=model)
    wanted = document["spec"]["models"][0]["containers"]
    if containers == 1:
        assert described["PrimaryContainer"]["Mode"] == wanted[0]["mode"]
        assert described["PrimaryContainer"]["ModelDataUrl"] == wanted[0]["modelDataUrl"]
    else:
        assert [c["ContainerHostname"] for c in described["Containers"]] == [
            c["containerHostname"] for c in wanted
        ]


async def test_a_variant_naming_no_model_is_refused_with_the_field(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    await apply(sagemaker_crds, kube, MANIFESTS / "hosting-multi-model-misnamed.yaml")
    async with running_operator(kube, emulator.url):
        failed = await kube.wait_for_status(KIND, "misnamed", "Failed")
    assert "spec.productionVariants[0].modelName 'xgboost-model'" in failed["status"]["additional"]
    assert emulator.control.requests.total == 0
    warnings = [e for e in await kube.events("misnamed") if e.type == "Warning"]
    [warning] = warnings  # one Warning for one refusal
    assert "spec.productionVariants[0].modelName" in warning.message
