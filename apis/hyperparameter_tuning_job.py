"""HyperparameterTuningJob: a SageMaker tuning job (CreateHyperParameterTuningJob)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from apis.base import ApiModel
from apis.common import (
    API_VERSION,
    CREATION_TIME,
    KindInfo,
    NameValue,
    ObjectMeta,
    PrinterColumn,
    ResourceStatus,
    SageMakerConnection,
    Timestamp,
)
from apis.generated.sagemaker import CreateHyperParameterTuningJobRequest


class HyperparameterTuningJobSpec(CreateHyperParameterTuningJobRequest, SageMakerConnection):
    """The CreateHyperParameterTuningJob request, plus where to send it."""


class TrainingJobStatusCounters(ApiModel):
    """How many of the tuning job's training jobs are in each state."""

    completed: int | None = Field(None, description="Training jobs that completed.")
    in_progress: int | None = Field(None, alias="inProgress", description="Training jobs running.")
    retryable_error: int | None = Field(
        None, alias="retryableError", description="Training jobs that failed and can be retried."
    )
    non_retryable_error: int | None = Field(
        None, alias="nonRetryableError", description="Training jobs that failed for good."
    )
    stopped: int | None = Field(None, description="Training jobs that were stopped.")
    total_error: int | None = Field(
        None, alias="totalError", description="retryableError plus nonRetryableError."
    )


class FinalObjectiveMetric(ApiModel):
    """The objective metric a training job ended with."""

    metric_name: str | None = Field(None, alias="metricName", description="The metric's name.")
    type: str | None = Field(None, description="Minimize or Maximize.")
    # A string, as in the old operator: floats do not round-trip through every client.
    value: str | None = Field(None, description="The metric's final value.")


class BestTrainingJob(ApiModel):
    """The training job with the best objective metric so far."""

    training_job_name: str | None = Field(
        None, alias="trainingJobName", description="The training job's SageMaker name."
    )
    training_job_arn: str | None = Field(
        None, alias="trainingJobArn", description="The training job's ARN."
    )
    training_job_status: str | None = Field(
        None, alias="trainingJobStatus", description="The training job's status."
    )
    tuned_hyper_parameters: list[NameValue] | None = Field(
        None, alias="tunedHyperParameters", description="The hyperparameters the tuner chose."
    )
    final_hyper_parameter_tuning_job_objective_metric: FinalObjectiveMetric | None = Field(
        None,
        alias="finalHyperParameterTuningJobObjectiveMetric",
        description="The objective metric the job ended with.",
    )
    objective_status: str | None = Field(
        None, alias="objectiveStatus", description="Whether the objective metric was evaluated."
    )
    creation_time: Timestamp | None = Field(
        None, alias="creationTime", description="When SageMaker created the training job."
    )
    training_start_time: Timestamp | None = Field(
        None, alias="trainingStartTime", description="When training started."
    )
    training_end_time: Timestamp | None = Field(
        None, alias="trainingEndTime", description="When training ended."
    )
    failure_reason: str | None = Field(
        None, alias="failureReason", description="Why the training job failed."
    )
    tuning_job_name: str | None = Field(
        None, alias="tuningJobName", description="The tuning job that launched it."
    )


class HyperparameterTuningJobStatus(ResourceStatus):
    """What SageMaker last said about the tuning job."""

    hyper_parameter_tuning_job_status: str | None = Field(
        None,
        alias="hyperParameterTuningJobStatus",
        description="InProgress, Completed, Failed, Stopping, Stopped, or "
        "SynchronizingK8sJobWithSageMaker before SageMaker first answers.",
    )
    sage_maker_hyper_parameter_tuning_job_name: str | None = Field(
        None,
        alias="sageMakerHyperParameterTuningJobName",
        description="The tuning job's name in SageMaker.",
    )
    training_job_status_counters: TrainingJobStatusCounters | None = Field(
        None, alias="trainingJobStatusCounters", description="Training jobs by state."
    )
    best_training_job: BestTrainingJob | None = Field(
        None, alias="bestTrainingJob", description="The best training job so far."
    )


class HyperparameterTuningJob(ApiModel):
    """A whole HyperparameterTuningJob resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["HyperparameterTuningJob"] = "HyperparameterTuningJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: HyperparameterTuningJobSpec
    status: HyperparameterTuningJobStatus | None = None


_COUNTERS = ".status.trainingJobStatusCounters"


def _counter(name: str, field: str) -> PrinterColumn:
    # `number`/`int64` as the old operator declared them; kubectl prints the same digits.
    return PrinterColumn(name, f"{_COUNTERS}.{field}", type="number", format="int64")


HYPERPARAMETER_TUNING_JOB = KindInfo(
    kind="HyperparameterTuningJob",
    plural="hyperparametertuningjobs",
    short_names=("hpo",),
    spec=HyperparameterTuningJobSpec,
    status=HyperparameterTuningJobStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.hyperParameterTuningJobStatus"),
        CREATION_TIME,
        _counter("Completed", "completed"),
        _counter("InProgress", "inProgress"),
        _counter("Errors", "totalError"),
        _counter("Stopped", "stopped"),
        PrinterColumn("Best-Training-Job", ".status.bestTrainingJob.trainingJobName"),
        PrinterColumn("Sagemaker-Job-Name", ".status.sageMakerHyperParameterTuningJobName"),
    ),
    description="A SageMaker hyperparameter tuning job.",
    immutable_spec=True,
)
