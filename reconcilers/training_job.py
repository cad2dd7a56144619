"""TrainingJob: CreateTrainingJob / DescribeTrainingJob / StopTrainingJob."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apis.training_job import TRAINING_JOB
from controller.resources import KubeObject
from reconcilers.change_feed import ListSpec
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


# Rule evaluations still under way; the old operator kept polling a job for them too.
_EVALUATING = frozenset({"InProgress", "Stopping"})


def rules_evaluating(status: Mapping[str, Any]) -> bool:
    """A finished training job whose debugger or profiler rules are still evaluating."""
    return any(
        rule.get("ruleEvaluationStatus") in _EVALUATING
        for field in ("debugRuleEvaluationStatuses", "profilerRuleEvaluationStatuses")
        for rule in status.get(field) or []
    )


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
    changes=ListSpec("ListTrainingJobs", "TrainingJobSummaries", "TrainingJobName"),
    is_mirror=launched_by_tuning_job,
    still_changing=rules_evaluating,
)
