"""TrainingJob: CreateTrainingJob / DescribeTrainingJob / StopTrainingJob."""

from __future__ import annotations

from apis.training_job import TRAINING_JOB
from controller.resources import KubeObject
from reconcilers.job_kind import JobKind
from reconcilers.kinds import STATUS_FIELDS, TRAINING_JOB_KIND, TUNING_JOB_KIND
from sagemaker_client.conversions.requests import create_training_job
from sagemaker_client.conversions.statuses import training_job_status


def launched_by_tuning_job(obj: KubeObject) -> bool:
    """A TrainingJob the operator made to mirror one that a tuning job launched."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == TUNING_JOB_KIND.kind and ref.get("controller"):
            return True
    return False


TRAINING_JOB_DESCRIPTOR = JobKind(
    kind=TRAINING_JOB_KIND,
    info=TRAINING_JOB,
    name_field="trainingJobName",
    status_name_field="sageMakerTrainingJobName",
    status_field=STATUS_FIELDS[TRAINING_JOB_KIND.kind],
    name_limit=63,
    name_param="TrainingJobName",
    describe_status_key="TrainingJobStatus",
    arn_key="TrainingJobArn",
    create_operation="CreateTrainingJob",
    describe_operation="DescribeTrainingJob",
    stop_operation="StopTrainingJob",
    build_request=create_training_job,
    status_from_describe=training_job_status,
    is_mirror=launched_by_tuning_job,
)
