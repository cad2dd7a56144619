"""Each kind's Describe* response as the status fields the operator writes.

Only what SageMaker reports is mapped here; the reconcilers add `lastCheckTime`,
`conditions` and `observedGeneration`, which are theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apis.batch_transform_job import BatchTransformJobStatus
from apis.endpoint_config import EndpointConfigStatus
from apis.hosting_deployment import HostingDeploymentStatus
from apis.hyperparameter_tuning_job import HyperparameterTuningJobStatus
from apis.model import ModelStatus
from apis.processing_job import ProcessingJobStatus
from apis.training_job import TrainingJobStatus

Response = Mapping[str, Any]


def cloudwatch_logs_url(region: str, log_group: str, job_name: str) -> str:
    """The CloudWatch console page listing a job's log streams (the old operator's link)."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logStream:group={log_group};prefix={job_name};streamFilter=typeLogStreamPrefix"
    )


def endpoint_url(region: str, endpoint_name: str) -> str:
    return f"https://runtime.sagemaker.{region}.amazonaws.com/endpoints/{endpoint_name}/invocations"


def _time(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _rule_statuses(statuses: list[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not statuses:
        return None
    # The old operator's keys: `statusDetail` (singular) for SageMaker's StatusDetails.
    return [
        {
            "ruleConfigurationName": s.get("RuleConfigurationName"),
            "ruleEvaluationJobArn": s.get("RuleEvaluationJobArn"),
            "ruleEvaluationStatus": s.get("RuleEvaluationStatus"),
            "statusDetail": s.get("StatusDetails"),
            "lastModifiedTime": _time(s.get("LastModifiedTime")),
        }
        for s in statuses
    ]


def model_path(describe: Response) -> str | None:
    """Where a completed job's model is: SageMaker's own `ModelArtifacts.S3ModelArtifacts`.

    That is `<s3OutputPath>/<job>/output/model.tar.gz`, the old operator's modelPath;
    SageMaker's value is taken rather than rebuilt, so the path is right whatever the
    output path's trailing slash. Only a completed job's, as the old operator reported it:
    a stopped job's artifacts, if any, are whatever it had saved when stopped.
    """
    if describe["TrainingJobStatus"] != "Completed":
        return None
    artifacts: Mapping[str, Any] = describe.get("ModelArtifacts") or {}
    path = artifacts.get("S3ModelArtifacts")
    return str(path) if path else None


def training_job_status(describe: Response, region: str) -> TrainingJobStatus:
    name = describe["TrainingJobName"]
    return TrainingJobStatus.model_validate(
        {
            "trainingJobStatus": describe["TrainingJobStatus"],
            "secondaryStatus": describe.get("SecondaryStatus"),
            "additional": describe.get("FailureReason"),
            "sageMakerTrainingJobName": name,
            "cloudWatchLogUrl": cloudwatch_logs_url(region, "/aws/sagemaker/TrainingJobs", name),
            "modelPath": model_path(describe),
            "debugRuleEvaluationStatuses": _rule_statuses(
                describe.get("DebugRuleEvaluationStatuses")
            ),
            "profilerRuleEvaluationStatuses": _rule_statuses(
                describe.get("ProfilerRuleEvaluationStatuses")
            ),
        }
    )


def _best_training_job(best: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not best:
        return None
    metric = best.get("FinalHyperParameterTuningJobObjectiveMetric")
    return {
        "trainingJobName": best.get("TrainingJobName"),
        "trainingJobArn": best.get("TrainingJobArn"),
        "trainingJobStatus": best.get("TrainingJobStatus"),
        "tunedHyperParameters": [
            {"name": key, "value": value}
            for key, value in sorted(best.get("TunedHyperParameters", {}).items())
        ],
        "finalHyperParameterTuningJobObjectiveMetric": metric
        and {
            "metricName": metric.get("MetricName"),
            "type": metric.get("Type"),
            "value": str(metric.get("Value")),
        },
        "objectiveStatus": best.get("ObjectiveStatus"),
        "creationTime": _time(best.get("CreationTime")),
        "trainingStartTime": _time(best.get("TrainingStartTime")),
        "trainingEndTime": _time(best.get("TrainingEndTime")),
        "failureReason": best.get("FailureReason"),
        "tuningJobName": best.get("TuningJobName"),
    }


def hyperparameter_tuning_job_status(describe: Response) -> HyperparameterTuningJobStatus:
    counters = describe.get("TrainingJobStatusCounters", {})
    retryable = counters.get("RetryableError", 0)
    non_retryable = counters.get("NonRetryableError", 0)
    return HyperparameterTuningJobStatus.model_validate(
        {
            "hyperParameterTuningJobStatus": describe["HyperParameterTuningJobStatus"],
            "additional": describe.get("FailureReason"),
            "sageMakerHyperParameterTuningJobName": describe["HyperParameterTuningJobName"],
            "trainingJobStatusCounters": {
                "completed": counters.get("Completed", 0),
                "inProgress": counters.get("InProgress", 0),
                "retryableError": retryable,
                "nonRetryableError": non_retryable,
                "stopped": counters.get("Stopped", 0),
                "totalError": retryable + non_retryable,
            },
            "bestTrainingJob": _best_training_job(describe.get("BestTrainingJob")),
        }
    )


def transform_job_status(describe: Response) -> BatchTransformJobStatus:
    return BatchTransformJobStatus.model_validate(
        {
            "transformJobStatus": describe["TransformJobStatus"],
            "additional": describe.get("FailureReason"),
            "sageMakerTransformJobName": describe["TransformJobName"],
        }
    )


def processing_job_status(describe: Response, region: str) -> ProcessingJobStatus:
    name = describe["ProcessingJobName"]
    return ProcessingJobStatus.model_validate(
        {
            "processingJobStatus": describe["ProcessingJobStatus"],
            "additional": describe.get("FailureReason") or describe.get("ExitMessage"),
            "sageMakerProcessingJobName": name,
            "cloudWatchLogUrl": cloudwatch_logs_url(region, "/aws/sagemaker/ProcessingJobs", name),
        }
    )


def model_status(describe: Response) -> ModelStatus:
    return ModelStatus.model_validate(
        {
            "status": "Created",
            "sageMakerModelName": describe["ModelName"],
            "modelArn": describe["ModelArn"],
            "lastUpdateTime": _time(describe.get("CreationTime")),
        }
    )


def endpoint_config_status(describe: Response) -> EndpointConfigStatus:
    return EndpointConfigStatus.model_validate(
        {
            "status": "Created",
            "sageMakerEndpointConfigName": describe["EndpointConfigName"],
            "endpointConfigArn": describe["EndpointConfigArn"],
            "lastUpdateTime": _time(describe.get("CreationTime")),
        }
    )


def endpoint_status(describe: Response, region: str) -> HostingDeploymentStatus:
    name = describe["EndpointName"]
    variants = [
        {
            "variantName": v.get("VariantName"),
            "currentInstanceCount": v.get("CurrentInstanceCount"),
            "desiredInstanceCount": v.get("DesiredInstanceCount"),
            "currentWeight": v.get("CurrentWeight"),
            "desiredWeight": v.get("DesiredWeight"),
            "deployedImages": [
                {
                    "specifiedImage": image.get("SpecifiedImage"),
                    "resolvedImage": image.get("ResolvedImage"),
                    "resolutionTime": _time(image.get("ResolutionTime")),
                }
                for image in v.get("DeployedImages", [])
            ]
            or None,
        }
        for v in describe.get("ProductionVariants", [])
    ]
    return HostingDeploymentStatus.model_validate(
        {
            "endpointStatus": describe["EndpointStatus"],
            "endpointName": name,
            "endpointArn": describe["EndpointArn"],
            "endpointConfigName": describe.get("EndpointConfigName"),
            "endpointUrl": endpoint_url(region, name),
            "productionVariants": variants or None,
            "creationTime": _time(describe.get("CreationTime")),
            "lastModifiedTime": _time(describe.get("LastModifiedTime")),
            "failureReason": describe.get("FailureReason"),
        }
    )
