"""ProcessingJob: a SageMaker processing job (CreateProcessingJob)."""

from __future__ import annotations

from typing import Literal

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
)
from apis.generated.sagemaker import CreateProcessingJobRequest


class ProcessingJobSpec(CreateProcessingJobRequest, SageMakerConnection):
    """The CreateProcessingJob request, plus where to send it."""


class ProcessingJobStatus(ResourceStatus):
    """What SageMaker last said about the processing job."""

    processing_job_status: str | None = Field(
        None,
        alias="processingJobStatus",
        description="InProgress, Completed, Failed, Stopping, Stopped, or "
        "SynchronizingK8sJobWithSageMaker before SageMaker first answers.",
    )
    cloud_watch_log_url: str | None = Field(
        None, alias="cloudWatchLogUrl", description="The CloudWatch console URL of the logs."
    )
    sage_maker_processing_job_name: str | None = Field(
        None, alias="sageMakerProcessingJobName", description="The job's name in SageMaker."
    )


class ProcessingJob(ApiModel):
    """A whole ProcessingJob resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["ProcessingJob"] = "ProcessingJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ProcessingJobSpec
    status: ProcessingJobStatus | None = None


PROCESSING_JOB = KindInfo(
    kind="ProcessingJob",
    plural="processingjobs",
    short_names=("pj",),
    spec=ProcessingJobSpec,
    status=ProcessingJobStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.processingJobStatus"),
        CREATION_TIME,
        PrinterColumn("Sagemaker-Job-Name", ".status.sageMakerProcessingJobName"),
    ),
    description="A SageMaker processing job.",
    immutable_spec=True,
)
