"""ProcessingJob: CreateProcessingJob / DescribeProcessingJob / StopProcessingJob."""

from __future__ import annotations

from apis.processing_job import PROCESSING_JOB
from reconcilers.change_feed import ListSpec
from reconcilers.job_kind import JobKind
from reconcilers.kinds import PROCESSING_JOB_KIND, STATUS_FIELDS
from sagemaker_client.conversions.requests import create_processing_job
from sagemaker_client.conversions.statuses import processing_job_status

PROCESSING_JOB_DESCRIPTOR = JobKind(
    kind=PROCESSING_JOB_KIND,
    info=PROCESSING_JOB,
    name_field="processingJobName",
    status_name_field="sageMakerProcessingJobName",
    status_field=STATUS_FIELDS[PROCESSING_JOB_KIND.kind],
    name_limit=63,
    name_param="ProcessingJobName",
    describe_status_key="ProcessingJobStatus",
    arn_key="ProcessingJobArn",
    create_operation="CreateProcessingJob",
    describe_operation="DescribeProcessingJob",
    stop_operation="StopProcessingJob",
    build_request=create_processing_job,
    status_from_describe=processing_job_status,
    changes=ListSpec("ListProcessingJobs", "ProcessingJobSummaries", "ProcessingJobName"),
)
