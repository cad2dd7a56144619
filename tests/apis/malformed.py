"""Malformed manifests, each with the field the apiserver's refusal must name.

Each case mutates one of the project's samples (config/samples/<sample>.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
        # A value may be left out (the old operator sent ""), the key may not.
        _drop("hyperParameters", 0, "name"),
        "spec.hyperParameters[0].name",
        "hyperparameter-without-name",
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
