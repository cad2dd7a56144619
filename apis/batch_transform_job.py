"""BatchTransformJob: a SageMaker batch transform job (CreateTransformJob)."""

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
from apis.generated.sagemaker import CreateTransformJobRequest


class BatchTransformJobSpec(CreateTransformJobRequest, SageMakerConnection):
    """The CreateTransformJob request, plus where to send it."""


class BatchTransformJobStatus(ResourceStatus):
    """What SageMaker last said about the transform job."""

    transform_job_status: str | None = Field(
        None,
        alias="transformJobStatus",
        description="InProgress, Completed, Failed, Stopping, Stopped, or "
        "SynchronizingK8sJobWithSageMaker before SageMaker first answers.",
    )
    sage_maker_transform_job_name: str | None = Field(
        None, alias="sageMakerTransformJobName", description="The job's name in SageMaker."
    )


class BatchTransformJob(ApiModel):
    """A whole BatchTransformJob resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["BatchTransformJob"] = "BatchTransformJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: BatchTransformJobSpec
    status: BatchTransformJobStatus | None = None


BATCH_TRANSFORM_JOB = KindInfo(
    kind="BatchTransformJob",
    plural="batchtransformjobs",
    short_names=("btj",),
    spec=BatchTransformJobSpec,
    status=BatchTransformJobStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.transformJobStatus"),
        CREATION_TIME,
        PrinterColumn("Sagemaker-Job-Name", ".status.sageMakerTransformJobName"),
    ),
    description="A SageMaker batch transform job.",
    immutable_spec=True,
)
