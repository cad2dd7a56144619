"""TrainingJob: a SageMaker training job (CreateTrainingJob) as a Kubernetes resource."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from apis.base import ApiModel
from apis.common import (
    API_VERSION,
    CREATION_TIME,
    KindInfo,
    ObjectMeta,
    PrinterColumn,
    ResourceStatus,
    SageMakerConnection,
    Timestamp,
)
from apis.generated.sagemaker import CreateTrainingJobRequest


class TrainingJobSpec(CreateTrainingJobRequest, SageMakerConnection):
    """The CreateTrainingJob request, plus where to send it."""


class DebugRuleEvaluationStatus(ApiModel):
    """The state of one debugger or profiler rule evaluation job.

    The keys are the old operator's: `statusDetail` (SageMaker's `StatusDetails`) and
    `lastModifiedTime`, so what reads its status reads ours.
    """

    rule_configuration_name: str | None = Field(
        None, alias="ruleConfigurationName", description="The rule configuration's name."
    )
    rule_evaluation_job_arn: str | None = Field(
        None, alias="ruleEvaluationJobArn", description="The rule evaluation job's ARN."
    )
    rule_evaluation_status: str | None = Field(
        None,
        alias="ruleEvaluationStatus",
        description="InProgress, NoIssuesFound, IssuesFound, Error, Stopping or Stopped.",
    )
    status_detail: str | None = Field(
        None, alias="statusDetail", description="Details from the rule evaluation job."
    )
    last_modified_time: Timestamp | None = Field(
        None, alias="lastModifiedTime", description="When the rule evaluation last changed."
    )


RuleStatuses = Annotated[list[DebugRuleEvaluationStatus], Field(max_length=20)]


class TrainingJobStatus(ResourceStatus):
    """What SageMaker last said about the training job."""

    training_job_status: str | None = Field(
        None,
        alias="trainingJobStatus",
        description="InProgress, Completed, Failed, Stopping, Stopped, or "
        "SynchronizingK8sJobWithSageMaker before SageMaker first answers.",
    )
    secondary_status: str | None = Field(
        None, alias="secondaryStatus", description="SageMaker's more granular status."
    )
    cloud_watch_log_url: str | None = Field(
        None, alias="cloudWatchLogUrl", description="The CloudWatch console URL of the logs."
    )
    model_path: str | None = Field(
        None,
        alias="modelPath",
        description="The S3 URI of the model a completed job wrote (SageMaker's "
        "ModelArtifacts.S3ModelArtifacts).",
    )
    sage_maker_training_job_name: str | None = Field(
        None, alias="sageMakerTrainingJobName", description="The job's name in SageMaker."
    )
    debug_rule_evaluation_statuses: RuleStatuses | None = Field(
        None, alias="debugRuleEvaluationStatuses", description="Debugger rule evaluations."
    )
    profiler_rule_evaluation_statuses: RuleStatuses | None = Field(
        None, alias="profilerRuleEvaluationStatuses", description="Profiler rule evaluations."
    )


class TrainingJob(ApiModel):
    """A whole TrainingJob resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["TrainingJob"] = "TrainingJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: TrainingJobSpec
    status: TrainingJobStatus | None = None


TRAINING_JOB = KindInfo(
    kind="TrainingJob",
    plural="trainingjobs",
    short_names=("tj",),
    spec=TrainingJobSpec,
    status=TrainingJobStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.trainingJobStatus"),
        PrinterColumn("Secondary-Status", ".status.secondaryStatus"),
        CREATION_TIME,
        PrinterColumn("Sagemaker-Job-Name", ".status.sageMakerTrainingJobName"),
    ),
    description="A SageMaker training job.",
    immutable_spec=True,
)
