"""BatchTransformJob: CreateTransformJob / DescribeTransformJob / StopTransformJob."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apis.batch_transform_job import BATCH_TRANSFORM_JOB, BatchTransformJobStatus
from reconcilers.change_feed import ListSpec
from reconcilers.job_kind import JobKind
from reconcilers.kinds import STATUS_FIELDS, TRANSFORM_JOB_KIND
from sagemaker_client.conversions.requests import create_transform_job
from sagemaker_client.conversions.statuses import transform_job_status


def _status(describe: Mapping[str, Any], region: str) -> BatchTransformJobStatus:
    return transform_job_status(describe)


BATCH_TRANSFORM_JOB_DESCRIPTOR = JobKind(
    kind=TRANSFORM_JOB_KIND,
    info=BATCH_TRANSFORM_JOB,
    name_field="transformJobName",
    status_name_field="sageMakerTransformJobName",
    status_field=STATUS_FIELDS[TRANSFORM_JOB_KIND.kind],
    name_limit=63,
    name_param="TransformJobName",
    describe_status_key="TransformJobStatus",
    arn_key="TransformJobArn",
    create_operation="CreateTransformJob",
    describe_operation="DescribeTransformJob",
    stop_operation="StopTransformJob",
    build_request=create_transform_job,
    status_from_describe=_status,
    changes=ListSpec("ListTransformJobs", "TransformJobSummaries", "TransformJobName"),
)
