"""The CRDs against the old Go operator's: its every field, column and short name is kept.

The old operator's final CRDs (aws/amazon-sagemaker-operator-for-k8s, `config/crd/bases`
and `api/v1`) are recorded here as field paths, so a regenerated CRD that drops or
tightens one of them fails here, not in a user's upgrade. docs/apis.md ("Differences
from the old operator") says why each remaining difference is as it is.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from apis.kinds import ALL_KINDS
from tests.apis.samples import REPO

Paths = list[str]

# A path ending in "!" was required by the old CRD (at that level).


def _pairs(path: str) -> Paths:
    """A list of the old operator's `{name, value}` pairs (both optional there)."""
    return [path, f"{path}[].name", f"{path}[].value"]


def _vpc(path: str) -> Paths:
    return [path, f"{path}.securityGroupIds!", f"{path}.subnets!"]


def _channels(path: str) -> Paths:
    source = f"{path}[].dataSource"
    return [
        path,
        f"{path}[].channelName!",
        *(f"{path}[].{m}" for m in ("compressionType", "contentType", "inputMode")),
        f"{path}[].recordWrapperType",
        f"{path}[].shuffleConfig.seed!",
        f"{source}.fileSystemDataSource",
        *(
            f"{source}.fileSystemDataSource.{m}!"
            for m in ("directoryPath", "fileSystemAccessMode", "fileSystemId", "fileSystemType")
        ),
        f"{source}.s3DataSource.attributeNames",
        f"{source}.s3DataSource.s3DataDistributionType",
        f"{source}.s3DataSource.s3DataType!",
        f"{source}.s3DataSource.s3Uri!",
    ]


def _training(prefix: str) -> Paths:
    return [
        f"{prefix}algorithmSpecification.algorithmName",
        f"{prefix}algorithmSpecification.trainingImage",
        f"{prefix}algorithmSpecification.trainingInputMode!",
        f"{prefix}algorithmSpecification.metricDefinitions[].name!",
        f"{prefix}algorithmSpecification.metricDefinitions[].regex!",
        f"{prefix}checkpointConfig.localPath",
        f"{prefix}checkpointConfig.s3Uri!",
        *(
            f"{prefix}enable{m}"
            for m in ("InterContainerTrafficEncryption", "ManagedSpotTraining", "NetworkIsolation")
        ),
        *_channels(f"{prefix}inputDataConfig"),
        f"{prefix}outputDataConfig.kmsKeyId",
        f"{prefix}outputDataConfig.s3OutputPath!",
        *(f"{prefix}resourceConfig.{m}!" for m in ("instanceCount", "instanceType")),
        f"{prefix}resourceConfig.volumeKmsKeyId",
        f"{prefix}resourceConfig.volumeSizeInGB!",
        f"{prefix}roleArn!",
        f"{prefix}stoppingCondition.maxRuntimeInSeconds",
        f"{prefix}stoppingCondition.maxWaitTimeInSeconds",
        *_vpc(f"{prefix}vpcConfig"),
    ]


def _container(path: str) -> Paths:
    fields = ("containerHostname", "image", "mode", "modelDataUrl", "modelPackageName")
    return [*(f"{path}.{m}" for m in fields), *_pairs(f"{path}.environment")]


_VARIANTS = [
    "productionVariants[].acceleratorType",
    "productionVariants[].initialInstanceCount!",
    "productionVariants[].initialVariantWeight",
    "productionVariants[].instanceType!",
    "productionVariants[].modelName!",
    "productionVariants[].variantName!",
]
_COMMON = ["region!", "sageMakerEndpoint", "tags[].key!", "tags[].value!"]
_TUNING = "hyperParameterTuningJobConfig"
_RANGES = f"{_TUNING}.parameterRanges"
_TRACKING = "targetTrackingScalingPolicyConfiguration"

# Every spec field of the old operator's CRDs, by plural.
OLD_SPEC: dict[str, Paths] = {
    "trainingjobs": [
        *_COMMON,
        *_training(""),
        *_pairs("hyperParameters"),
        "debugHookConfig.collectionConfigurations[].collectionName",
        *_pairs("debugHookConfig.collectionConfigurations[].collectionParameters"),
        "debugHookConfig.localPath",
        *_pairs("debugHookConfig.ruleParameters"),  # its spelling of hookParameters
        "debugHookConfig.s3OutputPath!",
        *(
            f"debugRuleConfigurations[].{m}"
            for m in ("instanceType", "localPath", "s3OutputPath", "volumeSizeInGB")
        ),
        "debugRuleConfigurations[].ruleConfigurationName!",
        "debugRuleConfigurations[].ruleEvaluatorImage!",
        *_pairs("debugRuleConfigurations[].ruleParameters"),
        "tensorBoardOutputConfig.localPath",
        "tensorBoardOutputConfig.s3OutputPath!",
        "trainingJobName",
    ],
    "hyperparametertuningjobs": [
        *_COMMON,
        f"{_TUNING}.hyperParameterTuningJobObjective.metricName!",
        f"{_TUNING}.hyperParameterTuningJobObjective.type!",
        f"{_RANGES}.categoricalParameterRanges[].name!",
        f"{_RANGES}.categoricalParameterRanges[].values!",
        *(
            f"{_RANGES}.{kind}ParameterRanges[].{m}!"
            for kind in ("continuous", "integer")
            for m in ("maxValue", "minValue", "name", "scalingType")
        ),
        f"{_TUNING}.resourceLimits.maxNumberOfTrainingJobs!",
        f"{_TUNING}.resourceLimits.maxParallelTrainingJobs!",
        f"{_TUNING}.strategy!",
        f"{_TUNING}.trainingJobEarlyStoppingType",
        "hyperParameterTuningJobName",
        *_training("trainingJobDefinition."),
        *_pairs("trainingJobDefinition.staticHyperParameters"),
        "warmStartConfig.parentHyperParameterTuningJobs[].hyperParameterTuningJobName",
        "warmStartConfig.warmStartType!",
    ],
    "batchtransformjobs": [
        *_COMMON,
        "batchStrategy",
        "dataProcessing.JoinSource",  # its spellings of joinSource and outputFilter
        "dataProcessing.OutputFilter",
        "dataProcessing.inputFilter",
        *_pairs("environment"),
        "maxConcurrentTransforms",
        "maxPayloadInMB",
        "modelName!",
        "transformInput.compressionType",
        "transformInput.contentType",
        "transformInput.dataSource.s3DataSource.s3DataType!",
        "transformInput.dataSource.s3DataSource.s3Uri!",
        "transformInput.splitType",
        "transformJobName",
        *(f"transformOutput.{m}" for m in ("accept", "assembleWith", "kmsKeyId")),
        "transformOutput.s3OutputPath!",
        "transformResources.instanceCount!",
        "transformResources.instanceType!",
        "transformResources.volumeKmsKeyId",
    ],
    "processingjobs": [
        *_COMMON,
        *(
            f"appSpecification.{m}"
            for m in ("containerArguments", "containerEntrypoint", "imageUri")
        ),
        *_pairs("environment"),
        "networkConfig.enableInterContainerTrafficEncryption",
        "networkConfig.enableNetworkIsolation",
        *_vpc("networkConfig.vpcConfig"),
        "processingInputs[].inputName!",
        "processingInputs[].s3Input.compressionType",  # its first name of s3CompressionType
        "processingInputs[].s3Input.s3CompressionType",
        "processingInputs[].s3Input.s3DataDistributionType",
        *(
            f"processingInputs[].s3Input.{m}!"
            for m in ("localPath", "s3DataType", "s3InputMode", "s3Uri")
        ),
        "processingOutputConfig.kmsKeyId",
        "processingOutputConfig.outputs[].outputName!",
        *(
            f"processingOutputConfig.outputs[].s3Output.{m}!"
            for m in ("localPath", "s3UploadMode", "s3Uri")
        ),
        *(
            f"processingResources.clusterConfig.{m}!"
            for m in ("instanceCount", "instanceType", "volumeSizeInGB")
        ),
        "processingResources.clusterConfig.volumeKmsKeyId",
        "roleArn!",
        "stoppingCondition.maxRuntimeInSeconds",
    ],
    "models": [
        *_COMMON,
        *_container("containers[]"),
        "enableNetworkIsolation",
        "executionRoleArn!",
        *_container("primaryContainer"),
        *_vpc("vpcConfig"),
    ],
    "endpointconfigs": [*_COMMON, "kmsKeyId", *_VARIANTS],
    "hostingdeployments": [
        *_COMMON,
        "endpointName",
        "excludeRetainedVariantProperties[].variantPropertyType!",
        "kmsKeyId",
        # Items are a hostname or a container, checked by the operator (see docs/apis.md).
        "models[].containers",
        "models[].enableNetworkIsolation",
        "models[].executionRoleArn!",
        "models[].name!",
        "models[].primaryContainer",
        *_vpc("models[].vpcConfig"),
        *_VARIANTS,
        "retainAllVariantProperties",
        *_container("containers[]"),
    ],
    "hostingautoscalingpolicies": [
        "region!",
        "sageMakerEndpoint",
        *(f"{m}" for m in ("maxCapacity", "minCapacity", "policyName", "policyType")),
        "resourceId",
        "resourceId[].endpointName",
        "resourceId[].variantName",
        "scalableDimension",
        "serviceNamespace",
        *(
            f"suspendedState.{m}"
            for m in (
                "dynamicScalingInSuspended",
                "dynamicScalingOutSuspended",
                "scheduledScalingSuspended",
            )
        ),
        *_pairs(f"{_TRACKING}.customizedMetricSpecification.dimensions"),
        *(
            f"{_TRACKING}.customizedMetricSpecification.{m}"
            for m in ("metricName", "namespace", "statistic", "unit")
        ),
        f"{_TRACKING}.disableScaleIn",
        f"{_TRACKING}.predefinedMetricSpecification.predefinedMetricType",
        f"{_TRACKING}.scaleInCooldown",
        f"{_TRACKING}.scaleOutCooldown",
        f"{_TRACKING}.targetValue",
    ],
}

# Every status field the old operator wrote, by plural.
OLD_STATUS: dict[str, Paths] = {
    "trainingjobs": [
        "additional",
        "cloudWatchLogUrl",
        *(
            f"debugRuleEvaluationStatuses[].{m}"
            for m in (
                "lastModifiedTime",
                "ruleConfigurationName",
                "ruleEvaluationJobArn",
                "ruleEvaluationStatus",
                "statusDetail",
            )
        ),
        "lastCheckTime",
        "modelPath",
        "sageMakerTrainingJobName",
        "secondaryStatus",
        "trainingJobStatus",
    ],
    "hyperparametertuningjobs": [
        "additional",
        *(
            f"bestTrainingJob.{m}"
            for m in (
                "creationTime",
                "failureReason",
                "objectiveStatus",
                "trainingEndTime",
                "trainingJobArn",
                "trainingJobName",
                "trainingJobStatus",
                "trainingStartTime",
                "tuningJobName",
            )
        ),
        *(
            f"bestTrainingJob.finalHyperParameterTuningJobObjectiveMetric.{m}"
            for m in ("metricName", "type", "value")
        ),
        *_pairs("bestTrainingJob.tunedHyperParameters"),
        "hyperParameterTuningJobStatus",
        "lastCheckTime",
        "sageMakerHyperParameterTuningJobName",
        *(
            f"trainingJobStatusCounters.{m}"
            for m in (
                "completed",
                "inProgress",
                "nonRetryableError",
                "retryableError",
                "stopped",
                "totalError",
            )
        ),
    ],
    "batchtransformjobs": [
        "additional",
        "lastCheckTime",
        "sageMakerTransformJobName",
        "transformJobStatus",
    ],
    "processingjobs": [
        "additional",
        "cloudWatchLogUrl",
        "lastCheckTime",
        "processingJobStatus",
        "sageMakerProcessingJobName",
    ],
    "models": ["additional", "lastUpdateTime", "modelArn", "sageMakerModelName", "status"],
    "endpointconfigs": [
        "additional",
        "endpointConfigArn",
        "lastUpdateTime",
        "sageMakerEndpointConfigName",
        "status",
    ],
    "hostingdeployments": [
        *(
            m
            for m in (
                "additional",
                "creationTime",
                "endpointArn",
                "endpointConfigName",
                "endpointName",
                "endpointStatus",
                "endpointUrl",
                "failureReason",
                "lastCheckTime",
                "lastModifiedTime",
            )
        ),
        *_pairs("modelNames"),
        *(
            f"productionVariants[].{m}"
            for m in (
                "currentInstanceCount",
                "currentWeight",
                "desiredInstanceCount",
                "desiredWeight",
                "variantName",
            )
        ),
        *(
            f"productionVariants[].deployedImages[].{m}"
            for m in ("resolutionTime", "resolvedImage", "specifiedImage")
        ),
    ],
    "hostingautoscalingpolicies": [
        "additional",
        "hostingAutoscalingPolicyStatus",
        "lastCheckTime",
        "policyName",
        "resourceIDList",
    ],
}

# Spec fields the old CRDs left optional that ours require, each because SageMaker (or
# Application Auto Scaling) refuses the request without it, or because it is the key of
# a keyed list. docs/apis.md lists them.
REQUIRED_NOW: dict[str, set[str]] = {
    "trainingjobs": {
        "hyperParameters[].name",
        "debugHookConfig.collectionConfigurations[].collectionParameters[].name",
        "debugHookConfig.ruleParameters[].name",
        "debugRuleConfigurations[].ruleParameters[].name",
    },
    "hyperparametertuningjobs": {"trainingJobDefinition.staticHyperParameters[].name"},
    "batchtransformjobs": {"environment[].name"},
    "processingjobs": {
        "appSpecification.imageUri",
        "environment[].name",
        "stoppingCondition.maxRuntimeInSeconds",
    },
    "models": {"containers[].environment[].name", "primaryContainer.environment[].name"},
    "endpointconfigs": set(),
    "hostingdeployments": {"containers[].environment[].name"},
    "hostingautoscalingpolicies": {
        "maxCapacity",
        "minCapacity",
        "resourceId",
        "resourceId[].endpointName",
        "resourceId[].variantName",
        f"{_TRACKING}.customizedMetricSpecification.dimensions[].name",
        f"{_TRACKING}.customizedMetricSpecification.dimensions[].value",
        f"{_TRACKING}.predefinedMetricSpecification.predefinedMetricType",
        f"{_TRACKING}.targetValue",
    },
}

# The old CRDs' printer columns: name, type, format, JSONPath.
_STATUS = ("Status", "string", None)
_CREATED = ("Creation-Time", "string", "date", ".metadata.creationTimestamp")
_JOB_NAME = ("Sagemaker-Job-Name", "string", None)
_COUNTER = ("number", "int64")
_COUNTERS = ".status.trainingJobStatusCounters"
OLD_COLUMNS: dict[str, list[tuple[str, str, str | None, str]]] = {
    "trainingjobs": [
        (*_STATUS, ".status.trainingJobStatus"),
        ("Secondary-Status", "string", None, ".status.secondaryStatus"),
        _CREATED,
        (*_JOB_NAME, ".status.sageMakerTrainingJobName"),
    ],
    "hyperparametertuningjobs": [
        (*_STATUS, ".status.hyperParameterTuningJobStatus"),
        _CREATED,
        ("Completed", *_COUNTER, f"{_COUNTERS}.completed"),
        ("InProgress", *_COUNTER, f"{_COUNTERS}.inProgress"),
        ("Errors", *_COUNTER, f"{_COUNTERS}.totalError"),
        ("Stopped", *_COUNTER, f"{_COUNTERS}.stopped"),
        ("Best-Training-Job", "string", None, ".status.bestTrainingJob.trainingJobName"),
        (*_JOB_NAME, ".status.sageMakerHyperParameterTuningJobName"),
    ],
    "batchtransformjobs": [
        (*_STATUS, ".status.transformJobStatus"),
        _CREATED,
        (*_JOB_NAME, ".status.sageMakerTransformJobName"),
    ],
    "processingjobs": [
        (*_STATUS, ".status.processingJobStatus"),
        _CREATED,
        (*_JOB_NAME, ".status.sageMakerProcessingJobName"),
    ],
    "models": [
        (*_STATUS, ".status.status"),
        ("Sage-Maker-Model-Name", "string", None, ".status.sageMakerModelName"),
    ],
    "endpointconfigs": [
        (*_STATUS, ".status.status"),
        ("Sage-Maker-EndpointConfig-Name", "string", None, ".status.sageMakerEndpointConfigName"),
    ],
    "hostingdeployments": [
        (*_STATUS, ".status.endpointStatus"),
        ("Sagemaker-endpoint-name", "string", None, ".status.endpointName"),
    ],
    "hostingautoscalingpolicies": [(*_STATUS, ".status.hostingAutoscalingPolicyStatus"), _CREATED],
}
OLD_SHORT_NAMES = {"hostingautoscalingpolicies": ["hap"]}

PLURALS = [info.plural for info in ALL_KINDS]


def _crd(plural: str) -> dict[str, Any]:
    path = REPO / "config" / "crd" / "bases" / f"sagemaker.aws.amazon.com_{plural}.yaml"
    crd: dict[str, Any] = yaml.safe_load(path.read_text())
    return crd


def _flatten(schema: dict[str, Any], path: str, required: bool, out: dict[str, bool]) -> None:
    """Every field path of a schema and whether it is required where it stands."""
    out[path] = required
    if schema.get("type") == "array":
        _flatten(schema["items"], f"{path}[]", True, out)
    for name, field in (schema.get("properties") or {}).items():
        _flatten(field, f"{path}.{name}", name in schema.get("required", []), out)


def _fields(plural: str, part: str) -> dict[str, bool]:
    schema = _crd(plural)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    out: dict[str, bool] = {}
    _flatten(schema["properties"][part], part, True, out)
    return out


def test_every_kind_is_compared() -> None:
    assert sorted(OLD_SPEC) == sorted(PLURALS) == sorted(OLD_STATUS) == sorted(OLD_COLUMNS)


@pytest.mark.parametrize("plural", PLURALS)
def test_every_old_spec_field_is_accepted(plural: str) -> None:
    ours = _fields(plural, "spec")
    assert [p for p in OLD_SPEC[plural] if f"spec.{p.rstrip('!')}" not in ours] == []


@pytest.mark.parametrize("plural", PLURALS)
def test_every_old_status_field_is_written_under_its_old_name(plural: str) -> None:
    ours = _fields(plural, "status")
    assert [p for p in OLD_STATUS[plural] if f"status.{p}" not in ours] == []


@pytest.mark.parametrize("plural", PLURALS)
def test_fields_required_beyond_the_old_crds_are_the_listed_ones(plural: str) -> None:
    """The old CRDs required little; ours require what SageMaker does. Nothing else."""
    ours = _fields(plural, "spec")
    stricter = {
        path for path in OLD_SPEC[plural] if not path.endswith("!") and ours[f"spec.{path}"]
    }
    assert stricter == REQUIRED_NOW[plural]


@pytest.mark.parametrize("plural", PLURALS)
def test_printer_columns_are_the_old_operators(plural: str) -> None:
    columns = _crd(plural)["spec"]["versions"][0]["additionalPrinterColumns"]
    ours = [(c["name"], c["type"], c.get("format"), c["jsonPath"]) for c in columns]
    assert ours == OLD_COLUMNS[plural]


@pytest.mark.parametrize("plural", PLURALS)
def test_the_old_short_names_remain(plural: str) -> None:
    names = _crd(plural)["spec"]["names"]
    assert set(OLD_SHORT_NAMES.get(plural, [])) <= set(names.get("shortNames", []))
