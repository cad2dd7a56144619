"""Debugger and profiler rule evaluations of training jobs.

SageMaker runs each rule of `DebugRuleConfigurations` and `ProfilerRuleConfigurations` as
a processing job beside the training job and reports it in DescribeTrainingJob's
`DebugRuleEvaluationStatuses` / `ProfilerRuleEvaluationStatuses`. Here a rule is
`InProgress` while its job runs (with its evaluation job's ARN once the instances are
up), `Stopping`/`Stopped` with a stopped or failed job, and when the job completes ends
`NoIssuesFound`, or what `EmulatorControl.rule_outcome` scripted (`IssuesFound`, `Error`).
The outcome is decided when the job is created, as scripted failures are; everything
else follows from the job's own state and times, so no event is needed.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from sagemaker_emulator.jobs import Job, seeded_random
from sagemaker_emulator.outcomes import Outcomes
from sagemaker_emulator.state import PROCESSING, make_arn

# Request member with the rules -> DescribeTrainingJob member with their evaluations.
RULE_LISTS = {
    "DebugRuleConfigurations": "DebugRuleEvaluationStatuses",
    "ProfilerRuleConfigurations": "ProfilerRuleEvaluationStatuses",
}

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class RuleEvaluation:
    """One rule of one training job, and how its evaluation ends if the job completes."""

    statuses_member: str
    name: str
    job_arn: str
    outcome: str
    details: str | None
    # Emulated seconds the evaluation goes on after its training job completed (a rule
    # job reads the job's last tensors after training ends).
    evaluating: float = 0.0


def evaluation_job_name(job_name: str, rule_name: str) -> str:
    """Named as SageMaker names rule jobs: job and rule names cut short, then 8 hex digits.

    The result fits a processing job's name (63 characters of letters, digits, hyphens).
    """
    rule = _NOT_ALNUM.sub("", rule_name.lower())[:26] or "rule"
    digest = zlib.crc32(f"{job_name}/{rule_name}".encode())
    return f"{job_name[:26].rstrip('-')}-{rule}-{digest:08x}"


def _default_details(job_name: str, rule_name: str, outcome: str) -> str | None:
    if outcome == "IssuesFound":
        step = seeded_random(f"{job_name}/{rule_name}").randrange(0, 1000, 100)
        return (
            f"RuleEvaluationConditionMet: Evaluation of the rule {rule_name} at step {step} "
            "resulted in the condition being met"
        )
    if outcome == "Error":
        return "ClientError: scripted rule evaluation error injected by the SageMaker emulator"
    return None


def plan_rule_evaluations(
    outcomes: Outcomes,
    region: str,
    job_name: str,
    request: dict[str, Any],
    evaluating: float = 0.0,
) -> list[RuleEvaluation]:
    """Every rule the CreateTrainingJob request configures, its outcome decided now."""
    planned: list[RuleEvaluation] = []
    for configurations, statuses in RULE_LISTS.items():
        for configuration in request.get(configurations, []):
            name = configuration["RuleConfigurationName"]
            scripted = outcomes.rule_outcome_for(job_name, name)
            outcome = scripted.status if scripted else "NoIssuesFound"
            details = scripted.details if scripted and scripted.details else None
            planned.append(
                RuleEvaluation(
                    statuses_member=statuses,
                    name=name,
                    job_arn=make_arn(region, PROCESSING, evaluation_job_name(job_name, name)),
                    outcome=outcome,
                    details=details or _default_details(job_name, name, outcome),
                    evaluating=evaluating,
                )
            )
    return planned


def _status_and_time(job: Job, rule: RuleEvaluation, now: float) -> tuple[str, float]:
    if job.status == "InProgress":
        return "InProgress", job.started if job.started is not None else job.created
    if job.status == "Stopping":
        return "Stopping", job.last_modified
    ended = job.ended if job.ended is not None else job.last_modified
    if job.status != "Completed":
        return "Stopped", ended  # a stopped or failed training job stops its rule jobs
    if now < ended + rule.evaluating:
        return "InProgress", ended
    return rule.outcome, ended + rule.evaluating


def rule_evaluation_statuses(job: Job, now: float) -> dict[str, list[dict[str, Any]]]:
    """The DescribeTrainingJob members for the job's rule evaluations, as they stand now."""
    described: dict[str, list[dict[str, Any]]] = {}
    for rule in job.rule_evaluations:
        status, changed = _status_and_time(job, rule, now)
        record: dict[str, Any] = {"RuleConfigurationName": rule.name}
        # The evaluation job starts with the training instances (the end of Starting).
        if job.started is not None:
            record["RuleEvaluationJobArn"] = rule.job_arn
        record["RuleEvaluationStatus"] = status
        if status in {"IssuesFound", "Error"} and rule.details:
            record["StatusDetails"] = rule.details
        record["LastModifiedTime"] = changed
        described.setdefault(rule.statuses_member, []).append(record)
    return described
