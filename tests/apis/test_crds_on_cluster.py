"""The generated CRDs on a real kube-apiserver, driven by the real kubectl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from apis.kinds import ALL_KINDS
from apis.processing_job import ProcessingJob
from local_cluster import ControlPlane
from tests.apis.malformed import BTJ, HPO, PJ, TJ
from tests.apis.samples import (
    PROJECT_SAMPLES,
    load,
    project_samples,
    shared_params,
    with_old_misspellings,
)
from tests.tools import fresh_namespace, kubectl

pytestmark = pytest.mark.cluster


@pytest_asyncio.fixture(loop_scope="session")
async def namespace(sagemaker_crds: ControlPlane) -> str:
    return await fresh_namespace(sagemaker_crds, "apis")


async def test_every_crd_is_established_with_status_and_category(
    sagemaker_crds: ControlPlane,
) -> None:
    for info in ALL_KINDS:
        ran = (await kubectl(sagemaker_crds, "get", f"crd/{info.crd_name}", "-o", "json")).check()
        crd = json.loads(ran.stdout)
        assert crd["spec"]["versions"][0]["subresources"] == {"status": {}}
        assert "sagemaker" in crd["spec"]["names"]["categories"]
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions["Established"] == "True"
        assert conditions.get("NonStructuralSchema") is None


async def _apply(plane: ControlPlane, document: dict[str, Any], namespace: str) -> None:
    (
        await kubectl(plane, "apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(document))
    ).check()


@pytest.mark.parametrize("path", shared_params())
async def test_old_operator_sample_is_accepted_unchanged(
    sagemaker_crds: ControlPlane, namespace: str, path: Path
) -> None:
    (await kubectl(sagemaker_crds, "apply", "-n", namespace, "-f", str(path))).check()
    document = load(path)
    ran = await kubectl(
        sagemaker_crds,
        "get",
        "-n",
        namespace,
        document["kind"],
        document["metadata"]["name"],
        "-o",
        "json",
    )
    stored = json.loads(ran.check().stdout)
    assert stored["spec"]["region"] == document["spec"]["region"]


@pytest.mark.parametrize("path", project_samples(), ids=lambda p: p.stem)
async def test_project_sample_is_accepted_and_stored_as_written(
    sagemaker_crds: ControlPlane, namespace: str, path: Path
) -> None:
    document = load(path)
    await _apply(sagemaker_crds, document, namespace)
    ran = await kubectl(
        sagemaker_crds,
        "get",
        "-n",
        namespace,
        document["kind"],
        document["metadata"]["name"],
        "-o",
        "json",
    )
    assert json.loads(ran.check().stdout)["spec"] == document["spec"]


USER_GUIDE_COLUMNS = {
    "trainingjobs": "NAME STATUS SECONDARY-STATUS CREATION-TIME SAGEMAKER-JOB-NAME",
    "hyperparametertuningjobs": "NAME STATUS CREATION-TIME COMPLETED INPROGRESS ERRORS STOPPED "
    "BEST-TRAINING-JOB SAGEMAKER-JOB-NAME",
    "batchtransformjobs": "NAME STATUS CREATION-TIME SAGEMAKER-JOB-NAME",
    "hostingdeployments": "NAME STATUS SAGEMAKER-ENDPOINT-NAME",
    "models": "NAME STATUS SAGE-MAKER-MODEL-NAME",
    "endpointconfigs": "NAME STATUS SAGE-MAKER-ENDPOINTCONFIG-NAME",
    "processingjobs": "NAME STATUS CREATION-TIME SAGEMAKER-JOB-NAME",
    "hostingautoscalingpolicies": "NAME STATUS CREATION-TIME",
}


async def test_kubectl_get_shows_the_user_guide_columns(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    for path in project_samples():
        await _apply(sagemaker_crds, load(path), namespace)
    for plural, header in USER_GUIDE_COLUMNS.items():
        ran = (await kubectl(sagemaker_crds, "get", plural, "-n", namespace)).check()
        assert ran.stdout.splitlines()[0].split() == header.split(), plural


async def test_status_columns_show_what_the_operator_writes(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = load(PROJECT_SAMPLES / "hyperparametertuningjob.yaml")
    await _apply(sagemaker_crds, document, namespace)
    status = {
        "status": {
            "hyperParameterTuningJobStatus": "Completed",
            "sageMakerHyperParameterTuningJobName": "xgboost-mnist-hpo-abc",
            "trainingJobStatusCounters": {
                "completed": 10,
                "inProgress": 0,
                "retryableError": 1,
                "nonRetryableError": 1,
                "stopped": 0,
                "totalError": 2,
            },
            "bestTrainingJob": {"trainingJobName": "xgboost-mnist-hpo-abc-009"},
            "observedGeneration": 1,
            "conditions": [
                {
                    "type": "Complete",
                    "status": "True",
                    "reason": "Completed",
                    "message": "",
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ],
        }
    }
    name = document["metadata"]["name"]
    (
        await kubectl(
            sagemaker_crds,
            "patch",
            "-n",
            namespace,
            "hpo",
            name,
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps(status),
        )
    ).check()
    row = (await kubectl(sagemaker_crds, "get", "hpo", name, "-n", namespace)).check()
    cells = row.stdout.splitlines()[1].split()
    assert cells[1] == "Completed"
    assert cells[3:9] == ["10", "0", "2", "0", "xgboost-mnist-hpo-abc-009", "xgboost-mnist-hpo-abc"]
    (
        await kubectl(
            sagemaker_crds,
            "wait",
            "-n",
            namespace,
            "--for=condition=Complete",
            "--timeout=10s",
            f"hyperparametertuningjob/{name}",
        )
    ).check()


async def test_short_names_and_the_sagemaker_category_list_everything(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    for path in project_samples():
        await _apply(sagemaker_crds, load(path), namespace)
    listed = (
        await kubectl(sagemaker_crds, "get", "sagemaker", "-n", namespace, "-o", "name")
    ).check()
    kinds = {line.split("/")[0].split(".")[0] for line in listed.stdout.split()}
    assert kinds == {info.singular for info in ALL_KINDS}
    short = await kubectl(
        sagemaker_crds, "get", "tj,hpo,btj,hd,pj,hap", "-n", namespace, "-o", "name"
    )
    assert len(short.check().stdout.split()) == 6


async def test_kubectl_explain_prints_field_descriptions(sagemaker_crds: ControlPlane) -> None:
    ran = (await kubectl(sagemaker_crds, "explain", "trainingjob.spec.resourceConfig")).check()
    assert "The resources, including the ML compute instances" in ran.stdout
    assert "volumeSizeInGB\t<integer>" in ran.stdout
    assert "The size of the ML storage volume" in ran.stdout


JOB_SAMPLES = [TJ, HPO, BTJ, PJ]


@pytest.mark.parametrize("sample", JOB_SAMPLES)
async def test_a_spec_change_to_a_job_is_refused_with_what_to_do(
    sagemaker_crds: ControlPlane, namespace: str, sample: str
) -> None:
    document = load(PROJECT_SAMPLES / f"{sample}.yaml")
    await _apply(sagemaker_crds, document, namespace)
    document["spec"]["region"] = "eu-west-1"
    ran = await kubectl(
        sagemaker_crds, "apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(document)
    )
    assert ran.returncode != 0
    assert "spec: Invalid value" in ran.stderr
    assert "immutable" in ran.stderr
    assert "metadata.name" in ran.stderr


async def test_hosting_deployment_spec_may_change(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = load(PROJECT_SAMPLES / "hostingdeployment.yaml")
    await _apply(sagemaker_crds, document, namespace)
    document["spec"]["productionVariants"][0]["initialInstanceCount"] = 2
    await _apply(sagemaker_crds, document, namespace)


HOSTING_SAMPLES = ["model", "endpointconfig", "hostingdeployment", "hostingautoscalingpolicy"]


@pytest.mark.parametrize("sample", HOSTING_SAMPLES)
async def test_a_hosting_kind_refuses_a_region_change(
    sagemaker_crds: ControlPlane, namespace: str, sample: str
) -> None:
    document = load(PROJECT_SAMPLES / f"{sample}.yaml")
    document["metadata"]["name"] = f"moving-{sample}"
    await _apply(sagemaker_crds, document, namespace)
    document["spec"]["region"] = "eu-west-1"
    ran = await kubectl(
        sagemaker_crds, "apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(document)
    )
    assert ran.returncode != 0
    assert "spec.region is immutable" in ran.stderr
    assert "delete this resource and create it again" in ran.stderr


async def test_the_old_operators_endpoint_fields_are_accepted_and_fixed(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = load(PROJECT_SAMPLES / "hostingdeployment.yaml")
    document["metadata"]["name"] = "named-endpoint"
    document["spec"].update(
        endpointName="named-xgboost-hosting",
        retainAllVariantProperties=True,
        excludeRetainedVariantProperties=[{"variantPropertyType": "DesiredWeight"}],
    )
    await _apply(sagemaker_crds, document, namespace)
    for change in ({"endpointName": "another-name"}, {"endpointName": None}):
        changed = {**document, "spec": {**document["spec"], **change}}
        if change["endpointName"] is None:
            del changed["spec"]["endpointName"]
        ran = await kubectl(
            sagemaker_crds, "apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(changed)
        )
        assert ran.returncode != 0, change
        assert "spec.endpointName is immutable" in ran.stderr
    document["spec"]["excludeRetainedVariantProperties"] = [{"variantPropertyType": "Colour"}]
    ran = await kubectl(
        sagemaker_crds, "apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(document)
    )
    assert ran.returncode != 0
    assert "variantPropertyType" in ran.stderr


async def test_hosting_deployment_accepts_inline_containers(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = load(PROJECT_SAMPLES / "hostingdeployment.yaml")
    spec = document["spec"]
    spec["models"][0]["containers"] = spec.pop("containers")
    del spec["models"][0]["primaryContainer"]
    document["metadata"]["name"] = "inline-containers"
    await _apply(sagemaker_crds, document, namespace)


@pytest.mark.parametrize("kind", ["TrainingJob", "BatchTransformJob", "ProcessingJob"])
async def test_old_operator_misspellings_are_accepted(
    sagemaker_crds: ControlPlane, namespace: str, kind: str
) -> None:
    await _apply(sagemaker_crds, with_old_misspellings(kind), namespace)


async def test_a_map_entry_may_leave_its_value_empty(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    """As the old operator's CRDs allowed: `- name: X` or `value:` with nothing after it."""
    document = load(PROJECT_SAMPLES / "processingjob.yaml")
    document["spec"]["environment"] += [{"name": "EMPTY", "value": None}, {"name": "ABSENT"}]
    await _apply(sagemaker_crds, document, namespace)
    ran = await kubectl(
        sagemaker_crds, "get", "-n", namespace, "processingjob", "xgboost-mnist-preprocess",
        "-o", "json",
    )  # fmt: skip
    stored = json.loads(ran.check().stdout)
    spec = ProcessingJob.model_validate(stored).spec
    assert {e.name: e.value for e in spec.environment or []} == {
        "SPLIT": "0.8",
        "EMPTY": "",
        "ABSENT": "",
    }
