"""Hyperparameter tuning jobs: fan-out of training jobs, counters and the best job.

A tuning job launches up to MaxNumberOfTrainingJobs children, at most
MaxParallelTrainingJobs at a time; each finished child makes room for the next.
Hyperparameters are sampled inside the given ranges from a generator seeded by
the child's name, so a run is reproducible.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import ServiceError, validation_error
from sagemaker_emulator.jobs import Job, JobRunner, seeded_random
from sagemaker_emulator.listing import filter_records, list_response, sort_records
from sagemaker_emulator.service_models import (
    list_member_fields,
    operation_model,
    output_members,
    project,
)
from sagemaker_emulator.state import TRAINING, RegionState, World, make_arn
from sagemaker_emulator.training import launch_training_job

KIND = "hyper-parameter-tuning-job"
ACTIVE = frozenset({"InProgress", "Stopping"})


@dataclass
class TuningJob:
    name: str
    arn: str
    request: dict[str, Any]
    created: float
    status: str = "InProgress"
    last_modified: float = 0.0
    ended: float | None = None
    failure_reason: str | None = None
    children: list[Job] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.request["HyperParameterTuningJobConfig"]
        return config

    @property
    def definition(self) -> dict[str, Any]:
        definition = self.request.get("TrainingJobDefinition")
        if definition is None:
            definition = self.request["TrainingJobDefinitions"][0]
        return dict(definition)

    @property
    def max_jobs(self) -> int:
        return int(self.config["ResourceLimits"].get("MaxNumberOfTrainingJobs", 10))

    @property
    def max_parallel(self) -> int:
        return int(self.config["ResourceLimits"]["MaxParallelTrainingJobs"])

    @property
    def objective(self) -> dict[str, str]:
        objective = self.config.get("HyperParameterTuningJobObjective") or self.definition.get(
            "TuningObjective", {}
        )
        return dict(objective)


def _number(text: str, name: str, what: str) -> float:
    try:
        return float(text)
    except ValueError as error:
        raise validation_error(f"The {what} of hyperparameter {name} is not a number.") from error


def check_ranges(ranges: dict[str, Any]) -> None:
    for kind in ("IntegerParameterRanges", "ContinuousParameterRanges"):
        for spec in ranges.get(kind, []):
            low = _number(spec["MinValue"], spec["Name"], "MinValue")
            high = _number(spec["MaxValue"], spec["Name"], "MaxValue")
            if low > high:
                raise validation_error(
                    f"The MinValue of hyperparameter {spec['Name']} must be less than or "
                    "equal to its MaxValue."
                )


def sample_hyperparameters(ranges: dict[str, Any], seed_name: str) -> dict[str, str]:
    rng = seeded_random(seed_name)
    tuned: dict[str, str] = {}
    for spec in ranges.get("IntegerParameterRanges", []):
        low, high = int(float(spec["MinValue"])), int(float(spec["MaxValue"]))
        if spec.get("ScalingType") == "Logarithmic" and low > 0:
            value = round(math.exp(rng.uniform(math.log(low), math.log(high))))
            tuned[spec["Name"]] = str(min(max(value, low), high))
        else:
            tuned[spec["Name"]] = str(rng.randint(low, high))
    for spec in ranges.get("ContinuousParameterRanges", []):
        low_f, high_f = float(spec["MinValue"]), float(spec["MaxValue"])
        scaling = spec.get("ScalingType")
        if scaling == "Logarithmic" and low_f > 0:
            number = math.exp(rng.uniform(math.log(low_f), math.log(high_f)))
        elif scaling == "ReverseLogarithmic" and high_f < 1:
            number = 1 - math.exp(rng.uniform(math.log(1 - high_f), math.log(1 - low_f)))
        else:
            number = rng.uniform(low_f, high_f)
        tuned[spec["Name"]] = repr(min(max(number, low_f), high_f))
    for spec in ranges.get("CategoricalParameterRanges", []):
        tuned[spec["Name"]] = rng.choice(spec["Values"])
    return tuned


_TRAINING_INPUT = frozenset(operation_model("sagemaker", "CreateTrainingJob").input_shape.members)


class TuningRunner:
    def __init__(self, world: World, region: RegionState) -> None:
        self._world = world
        self._region = region

    def launch_next(self, tuning: TuningJob, at: float) -> None:
        index = len(tuning.children) + 1
        attempt = 0
        while True:
            # A user's own training job may already hold the name; SageMaker's
            # suffix is random, so picking another one is faithful.
            suffix = f"{zlib.crc32(f'{tuning.name}-{index}-{attempt}'.encode()):08x}"
            child_name = f"{tuning.name}-{index:03d}-{suffix}"
            if child_name not in self._region.jobs[TRAINING]:
                break
            attempt += 1
        definition = tuning.definition
        tuned = sample_hyperparameters(
            definition.get("HyperParameterRanges") or tuning.config.get("ParameterRanges", {}),
            child_name,
        )
        request = {k: v for k, v in definition.items() if k in _TRAINING_INPUT}
        request["TrainingJobName"] = child_name
        request["HyperParameters"] = {**definition.get("StaticHyperParameters", {}), **tuned}
        metric = tuning.objective.get("MetricName", "objective")
        value = round(seeded_random(f"{child_name}/objective").uniform(0.01, 1.0), 6)
        job = launch_training_job(
            self._world,
            self._region,
            request,
            at,
            metric_values={metric: value},
            tuning=(tuning.name, tuning.arn),
        )
        job.tuned_hyperparameters = tuned
        job.listeners.append(lambda child, when: self.child_finished(tuning, when))
        tuning.children.append(job)
        tuning.last_modified = at

    def start(self, tuning: TuningJob, failure: str | None) -> None:
        tuning.last_modified = tuning.created
        for _ in range(min(tuning.max_parallel, tuning.max_jobs)):
            self.launch_next(tuning, tuning.created)
        if failure is not None:
            fail_at = tuning.created + self._world.timings.training_starting
            self._world.scheduler.at(fail_at, lambda when: self.fail(tuning, when, failure))

    def running(self, tuning: TuningJob) -> list[Job]:
        return [child for child in tuning.children if not child.finished]

    def child_finished(self, tuning: TuningJob, at: float) -> None:
        tuning.last_modified = at
        if tuning.status == "InProgress":
            room = tuning.max_parallel - len(self.running(tuning))
            while room > 0 and len(tuning.children) < tuning.max_jobs:
                self.launch_next(tuning, at)
                room -= 1
        if self.running(tuning):
            return
        if tuning.status == "InProgress":
            if any(child.status == "Completed" for child in tuning.children):
                self._end(tuning, "Completed", at)
            else:
                count = len(tuning.children)
                tuning.failure_reason = (
                    f"No training job succeeded after {count} attempts. Please take a look "
                    "at the training job failures to get more details."
                )
                self._end(tuning, "Failed", at)
        elif tuning.status == "Stopping":
            self._end(tuning, "Stopped", at)

    def _end(self, tuning: TuningJob, status: str, at: float) -> None:
        tuning.status = status
        tuning.ended = at
        tuning.last_modified = at

    def stop(self, tuning: TuningJob, at: float) -> None:
        tuning.status = "Stopping"
        tuning.last_modified = at
        jobs = JobRunner(self._world, self._region)
        for child in self.running(tuning):
            if child.status == "InProgress":
                jobs.stop(child, at)
        if not self.running(tuning):
            self._end(tuning, "Stopped", at)

    def fail(self, tuning: TuningJob, at: float, reason: str) -> None:
        if tuning.status != "InProgress":
            return
        tuning.failure_reason = reason
        tuning.status = "Failed"
        jobs = JobRunner(self._world, self._region)
        for child in self.running(tuning):
            if child.status == "InProgress":
                jobs.stop(child, at)
        self._end(tuning, "Failed", at)


def child_summary(job: Job, objective: dict[str, str]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "TrainingJobName": job.name,
        "TrainingJobArn": job.arn,
        "TuningJobName": job.tuning_job_name,
        "CreationTime": job.created,
        "TrainingJobStatus": job.status,
        "TunedHyperParameters": dict(job.tuned_hyperparameters or {}),
        "ObjectiveStatus": {"Completed": "Succeeded", "InProgress": "Pending"}.get(
            job.status, "Pending" if job.status == "Stopping" else "Failed"
        ),
    }
    if job.started is not None:
        summary["TrainingStartTime"] = job.started
    if job.ended is not None:
        summary["TrainingEndTime"] = job.ended
    if job.failure_reason:
        summary["FailureReason"] = job.failure_reason
    metric = objective.get("MetricName", "objective")
    if job.status == "Completed" and metric in job.metric_values:
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "Type": objective.get("Type", "Maximize"),
            "MetricName": metric,
            "Value": job.metric_values[metric],
        }
    return summary


def best_child(tuning: TuningJob) -> Job | None:
    metric = tuning.objective.get("MetricName", "objective")
    done = [c for c in tuning.children if c.status == "Completed" and metric in c.metric_values]
    if not done:
        return None
    pick = min if tuning.objective.get("Type") == "Minimize" else max
    return pick(done, key=lambda child: child.metric_values[metric])


def describe_tuning_job(tuning: TuningJob) -> dict[str, Any]:
    record = project(tuning.request, output_members("sagemaker", "DescribeHyperParameterTuningJob"))
    statuses = [child.status for child in tuning.children]
    summaries = [child_summary(child, tuning.objective) for child in tuning.children]
    objective_states = [summary["ObjectiveStatus"] for summary in summaries]
    record.update(
        HyperParameterTuningJobArn=tuning.arn,
        HyperParameterTuningJobStatus=tuning.status,
        CreationTime=tuning.created,
        LastModifiedTime=tuning.last_modified,
        TrainingJobStatusCounters={
            "Completed": statuses.count("Completed"),
            "InProgress": statuses.count("InProgress") + statuses.count("Stopping"),
            "RetryableError": 0,
            "NonRetryableError": statuses.count("Failed"),
            "Stopped": statuses.count("Stopped"),
        },
        ObjectiveStatusCounters={
            state: objective_states.count(state) for state in ("Succeeded", "Pending", "Failed")
        },
        ResourceLimits=tuning.config["ResourceLimits"],
        Strategy=tuning.config["Strategy"],
    )
    if tuning.ended is not None:
        record["HyperParameterTuningEndTime"] = tuning.ended
    if tuning.failure_reason:
        record["FailureReason"] = tuning.failure_reason
    best = best_child(tuning)
    if best is not None:
        record["BestTrainingJob"] = child_summary(best, tuning.objective)
    return record


def find_tuning_job(region: RegionState, name: str) -> TuningJob:
    tuning = region.tuning_jobs.get(name)
    if tuning is None:
        raise ServiceError(
            "ResourceNotFound",
            f"Amazon SageMaker can't find a tuning job called {name}. Type another name.",
        )
    return tuning


def create_tuning_job(ctx: RequestContext, params: Params) -> Response:
    name = params["HyperParameterTuningJobName"]
    if name in ctx.region.tuning_jobs:
        raise ServiceError(
            "ResourceInUse",
            f"A hyperparameter tuning job with the name, {name}, already exists. "
            "Choose a different name.",
        )
    if "TrainingJobDefinition" not in params and not params.get("TrainingJobDefinitions"):
        raise validation_error(
            "Either TrainingJobDefinition or TrainingJobDefinitions must be provided."
        )
    tuning = TuningJob(name, make_arn(ctx.region.name, KIND, name), params, ctx.now)
    check_ranges(
        tuning.definition.get("HyperParameterRanges") or tuning.config.get("ParameterRanges", {})
    )
    ctx.region.tuning_jobs[name] = tuning
    ctx.region.tags[tuning.arn] = list(params.get("Tags", []))
    failure = ctx.world.outcomes.failure_for(KIND, name)
    TuningRunner(ctx.world, ctx.region).start(tuning, failure)
    return {"HyperParameterTuningJobArn": tuning.arn}


def describe(ctx: RequestContext, params: Params) -> Response:
    record = describe_tuning_job(find_tuning_job(ctx.region, params["HyperParameterTuningJobName"]))
    return project(record, output_members("sagemaker", "DescribeHyperParameterTuningJob"))


def stop_tuning_job(ctx: RequestContext, params: Params) -> Response:
    tuning = find_tuning_job(ctx.region, params["HyperParameterTuningJobName"])
    if tuning.status != "InProgress":
        raise validation_error(
            "The request was rejected because the hyperparameter tuning job is in status "
            f"{tuning.status}."
        )
    TuningRunner(ctx.world, ctx.region).stop(tuning, ctx.now)
    return {}


def list_tuning_jobs(ctx: RequestContext, params: Params) -> Response:
    tunings = ctx.region.tuning_jobs
    records = [
        {
            "HyperParameterTuningJobName": t.name,
            "HyperParameterTuningJobStatus": t.status,
            "CreationTime": t.created,
            "LastModifiedTime": t.last_modified,
        }
        for t in tunings.values()
    ]
    records = filter_records(
        records, params, "HyperParameterTuningJobName", "HyperParameterTuningJobStatus"
    )
    sort_keys = {
        "Name": "HyperParameterTuningJobName",
        "Status": "HyperParameterTuningJobStatus",
        "CreationTime": "CreationTime",
    }
    records = sort_records(records, params, sort_keys, default_by="Name")
    list_field = "HyperParameterTuningJobSummaries"
    fields = list_member_fields("sagemaker", "ListHyperParameterTuningJobs", list_field)
    return list_response(
        records,
        params,
        list_field,
        fields,
        lambda record: describe_tuning_job(tunings[record["HyperParameterTuningJobName"]]),
    )


def list_children(ctx: RequestContext, params: Params) -> Response:
    tuning = find_tuning_job(ctx.region, params["HyperParameterTuningJobName"])
    records = []
    for child in tuning.children:
        summary = child_summary(child, tuning.objective)
        metric = summary.get("FinalHyperParameterTuningJobObjectiveMetric")
        summary["ObjectiveValue"] = metric["Value"] if metric else None
        records.append(summary)
    records = filter_records(records, params, "TrainingJobName", "TrainingJobStatus")
    sort_keys = {
        "Name": "TrainingJobName",
        "CreationTime": "CreationTime",
        "Status": "TrainingJobStatus",
        "FinalObjectiveMetricValue": "ObjectiveValue",
    }
    records = sort_records(records, params, sort_keys, default_by="Name")
    operation = "ListTrainingJobsForHyperParameterTuningJob"
    fields = list_member_fields("sagemaker", operation, "TrainingJobSummaries")
    return list_response(records, params, "TrainingJobSummaries", fields)


OPERATIONS: dict[str, Handler] = {
    "CreateHyperParameterTuningJob": create_tuning_job,
    "DescribeHyperParameterTuningJob": describe,
    "StopHyperParameterTuningJob": stop_tuning_job,
    "ListHyperParameterTuningJobs": list_tuning_jobs,
    "ListTrainingJobsForHyperParameterTuningJob": list_children,
}
