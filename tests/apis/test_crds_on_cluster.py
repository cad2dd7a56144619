"""The generated CRDs on a real kube-apiserver, driven by the real kubectl."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from apis.kinds import ALL_KINDS
from local_cluster import ControlPlane
from tests.apis.samples import (
    PROJECT_SAMPLES,
    load,
    project_samples,
    shared_params,
    with_old_misspellings,
)
from tests.apis.tools import fresh_namespace, kubectl

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
    "models": "NAME STATUS SAGEMAKER-MODEL-NAME",
    "endpointconfigs": "NAME STATUS SAGEMAKER-ENDPOINT-CONFIG-NAME",
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


Mutation = Callable[[dict[str, Any]], object]


def _case(sample: str, mutate: Mutation, field: str, case_id: str) -> Any:
    return pytest.param(sample, mutate, field, id=case_id)


def _drop(*path: str | int) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        target: Any = spec
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set(value: Any, *path: str | int) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        target: Any = spec
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


TJ, HPO, BTJ, PJ = "trainingjob", "hyperparametertuningjob", "batchtransformjob", "processingjob"
MODEL, EC, HD, HAP = "model", "endpointconfig", "hostingdeployment", "hostingautoscalingpolicy"

MALFORMED = [
    _case(TJ, _drop("roleArn"), "spec.roleArn", "missing-role-arn"),
    _case(TJ, _drop("region"), "spec.region", "missing-region"),
    _case(
        TJ,
        _drop("algorithmSpecification", "trainingInputMode"),
        "spec.algorithmSpecification.trainingInputMode",
        "missing-input-mode",
    ),
    _case(
        TJ,
        _set("Streaming", "algorithmSpecification", "trainingInputMode"),
        "spec.algorithmSpecification.trainingInputMode",
        "bad-input-mode-enum",
    ),
    _case(
        TJ,
        _set(-1, "resourceConfig", "instanceCount"),
        "spec.resourceConfig.instanceCount",
        "negative-instance-count",
    ),
    _case(
        TJ,
        _set("one", "resourceConfig", "instanceCount"),
        "spec.resourceConfig.instanceCount",
        "instance-count-wrong-type",
    ),
    _case(
        TJ,
        _set("5GB", "resourceConfig", "volumeSizeInGB"),
        "spec.resourceConfig.volumeSizeInGB",
        "volume-size-wrong-type",
    ),
    _case(
        TJ,
        _set("my-bucket/xgboost", "outputDataConfig", "s3OutputPath"),
        "spec.outputDataConfig.s3OutputPath",
        "bad-s3-output-uri",
    ),
    _case(
        TJ,
        _set("ftp://my-bucket/train", "inputDataConfig", 0, "dataSource", "s3DataSource", "s3Uri"),
        "spec.inputDataConfig[0].dataSource.s3DataSource.s3Uri",
        "bad-s3-input-uri",
    ),
    _case(
        TJ,
        _set("arn:aws:iam::12345:role/too-short-account", "roleArn"),
        "spec.roleArn",
        "bad-role-arn",
    ),
    _case(TJ, _set("x" * 64, "trainingJobName"), "spec.trainingJobName", "job-name-too-long"),
    _case(TJ, _set("bad_name!", "trainingJobName"), "spec.trainingJobName", "job-name-bad-chars"),
    _case(
        TJ,
        lambda s: s["hyperParameters"].append({"name": "eta", "value": "1"}),
        "spec.hyperParameters[5]",
        "duplicate-hyperparameter",
    ),
    _case(
        TJ,
        _set({"max_depth": "5"}, "hyperParameters"),
        "spec.hyperParameters",
        "hyperparameters-as-a-map",
    ),
    _case(
        TJ,
        _drop("hyperParameters", 0, "value"),
        "spec.hyperParameters[0].value",
        "hyperparameter-without-value",
    ),
    _case(
        TJ,
        lambda s: s["tags"].append({"key": "team", "value": "x"}),
        "spec.tags[1]",
        "duplicate-tag-key",
    ),
    _case(
        TJ, _set([{"name": "team", "value": "ml"}], "tags"), "spec.tags[0]", "tags-as-name-value"
    ),
    _case(TJ, _set(True, "enableIPv9"), "spec.enableIPv9", "unknown-field"),
    _case(
        TJ,
        _set("ftp://sagemaker.example.com", "sageMakerEndpoint"),
        "spec.sageMakerEndpoint",
        "endpoint-not-http",
    ),
    _case(
        TJ,
        _set(0, "stoppingCondition", "maxRuntimeInSeconds"),
        "spec.stoppingCondition.maxRuntimeInSeconds",
        "zero-max-runtime",
    ),
    _case(
        TJ,
        _set("train data", "inputDataConfig", 0, "channelName"),
        "spec.inputDataConfig[0].channelName",
        "bad-channel-name",
    ),
    _case(
        TJ,
        _set("S3Folder", "inputDataConfig", 0, "dataSource", "s3DataSource", "s3DataType"),
        "spec.inputDataConfig[0].dataSource.s3DataSource.s3DataType",
        "bad-s3-data-type",
    ),
    _case(
        TJ,
        _set("yes", "enableNetworkIsolation"),
        "spec.enableNetworkIsolation",
        "boolean-as-string",
    ),
    _case(TJ, _set("", "region"), "spec.region", "empty-region"),
    _case(
        TJ,
        _set("Gzip2", "inputDataConfig", 0, "compressionType"),
        "spec.inputDataConfig[0].compressionType",
        "bad-compression-enum",
    ),
    _case(
        HPO,
        _set("Grid2", "hyperParameterTuningJobConfig", "strategy"),
        "spec.hyperParameterTuningJobConfig.strategy",
        "bad-tuning-strategy",
    ),
    _case(
        HPO,
        _set("x" * 33, "hyperParameterTuningJobName"),
        "spec.hyperParameterTuningJobName",
        "tuning-job-name-too-long",
    ),
    _case(
        HPO,
        _set(0, "hyperParameterTuningJobConfig", "resourceLimits", "maxParallelTrainingJobs"),
        "spec.hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs",
        "zero-parallel-jobs",
    ),
    _case(
        HPO,
        _drop("hyperParameterTuningJobConfig"),
        "spec.hyperParameterTuningJobConfig",
        "missing-tuning-config",
    ),
    _case(
        BTJ,
        _set(0, "transformResources", "instanceCount"),
        "spec.transformResources.instanceCount",
        "zero-transform-instances",
    ),
    _case(BTJ, _drop("modelName"), "spec.modelName", "missing-model-name"),
    _case(BTJ, _set("AllAtOnce", "batchStrategy"), "spec.batchStrategy", "bad-batch-strategy"),
    _case(
        PJ,
        _set("Sometimes", "processingOutputConfig", "outputs", 0, "s3Output", "s3UploadMode"),
        "spec.processingOutputConfig.outputs[0].s3Output.s3UploadMode",
        "bad-upload-mode",
    ),
    _case(
        MODEL,
        _set("not-an-arn-at-all-really", "executionRoleArn"),
        "spec.executionRoleArn",
        "model-bad-role-arn",
    ),
    _case(EC, _set([], "productionVariants"), "spec.productionVariants", "no-variants"),
    _case(
        HD,
        _set("heavy", "productionVariants", 0, "initialVariantWeight"),
        "spec.productionVariants[0].initialVariantWeight",
        "variant-weight-wrong-type",
    ),
    _case(
        HD,
        _drop("models", 0, "executionRoleArn"),
        "spec.models[0].executionRoleArn",
        "hosting-model-without-role",
    ),
    _case(HAP, _set("Manual", "policyType"), "spec.policyType", "bad-policy-type"),
    _case(HAP, _set(-1, "minCapacity"), "spec.minCapacity", "negative-min-capacity"),
    _case(HAP, _set([], "resourceId"), "spec.resourceId", "no-variants-to-scale"),
]


@pytest.mark.parametrize(("sample", "mutate", "field"), MALFORMED)
async def test_malformed_manifest_is_refused_naming_the_field(
    sagemaker_crds: ControlPlane, namespace: str, sample: str, mutate: Mutation, field: str
) -> None:
    document = copy.deepcopy(load(PROJECT_SAMPLES / f"{sample}.yaml"))
    mutate(document["spec"])
    ran = await kubectl(
        sagemaker_crds,
        "create",
        "--dry-run=server",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=yaml.safe_dump(document),
    )
    assert ran.returncode != 0, f"accepted: {document['spec']}"
    assert field in ran.stderr, ran.stderr


def test_there_are_at_least_thirty_malformed_cases() -> None:
    assert len(MALFORMED) >= 30


async def test_manifest_without_spec_is_refused(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "TrainingJob",
        "metadata": {"name": "no-spec"},
    }
    ran = await kubectl(
        sagemaker_crds,
        "create",
        "--dry-run=server",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=yaml.safe_dump(document),
    )
    assert ran.returncode != 0
    assert "spec: Required value" in ran.stderr


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


async def test_hosting_deployment_accepts_inline_containers(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = load(PROJECT_SAMPLES / "hostingdeployment.yaml")
    spec = document["spec"]
    spec["models"][0]["containers"] = spec.pop("containers")
    del spec["models"][0]["primaryContainer"]
    document["metadata"]["name"] = "inline-containers"
    await _apply(sagemaker_crds, document, namespace)


@pytest.mark.parametrize("kind", ["TrainingJob", "BatchTransformJob"])
async def test_old_operator_misspellings_are_accepted(
    sagemaker_crds: ControlPlane, namespace: str, kind: str
) -> None:
    await _apply(sagemaker_crds, with_old_misspellings(kind), namespace)
