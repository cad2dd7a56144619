"""Training jobs: CreateTrainingJob, DescribeTrainingJob, StopTrainingJob, ListTrainingJobs."""

from __future__ import annotations

from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import resource_in_use, validation_error
from sagemaker_emulator.jobs import (
    Job,
    JobRunner,
    Phase,
    in_time_bounds,
    job_record,
    seeded_random,
)
from sagemaker_emulator.listing import filter_records, list_response, sort_records
from sagemaker_emulator.rules import plan_rule_evaluations, rule_evaluation_statuses
from sagemaker_emulator.service_models import list_member_fields, output_members, project
from sagemaker_emulator.state import TRAINING, RegionState, World, make_arn

LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def training_phases(world: World) -> list[Phase]:
    timings = world.timings
    return [
        Phase("Starting", "Launching requested ML instances", timings.training_starting),
        Phase("Downloading", "Downloading input data", timings.training_downloading),
        Phase(
            "Training",
            "Training image download completed. Training in progress.",
            timings.training_training,
            main=True,
        ),
        Phase("Uploading", "Uploading generated training model", timings.training_uploading),
    ]


def default_metric_values(name: str, request: Params) -> dict[str, float]:
    definitions = request.get("AlgorithmSpecification", {}).get("MetricDefinitions", [])
    rng = seeded_random(name)
    return {definition["Name"]: round(rng.uniform(0.0, 1.0), 6) for definition in definitions}


def launch_training_job(
    world: World,
    region: RegionState,
    request: Params,
    at: float,
    metric_values: dict[str, float] | None = None,
    tuning: tuple[str, str] | None = None,
) -> Job:
    """Create and start a training job (also used by tuning jobs for their children)."""
    name = request["TrainingJobName"]
    jobs = region.jobs[TRAINING]
    arn = make_arn(region.name, TRAINING, name)
    if name in jobs:
        raise resource_in_use(
            "Training job names must be unique within an AWS account and region, and a "
            f"training job with this name already exists ({arn})"
        )
    job = Job(TRAINING, name, arn, request, at, LOG_GROUP)
    job.metric_values = default_metric_values(name, request)
    job.metric_values.update(metric_values or {})
    if tuning is not None:
        job.tuning_job_name, job.tuning_job_arn = tuning
    job.rule_evaluations = plan_rule_evaluations(
        world.outcomes, region.name, name, request, world.timings.rule_evaluating
    )
    jobs[name] = job
    region.tags[arn] = list(request.get("Tags", []))
    failure = world.outcomes.failure_for(TRAINING, name)
    JobRunner(world, region).start(job, training_phases(world), failure)
    return job


def describe_training_job(job: Job, now: float) -> dict[str, Any]:
    record = project(job.request, output_members("sagemaker", "DescribeTrainingJob"))
    record.update(
        TrainingJobArn=job.arn,
        TrainingJobStatus=job.status,
        SecondaryStatus=job.secondary,
        CreationTime=job.created,
        LastModifiedTime=job.last_modified,
        SecondaryStatusTransitions=[dict(t) for t in job.transitions],
    )
    if job.tuning_job_arn:
        record["TuningJobArn"] = job.tuning_job_arn
    if job.started is not None:
        record["TrainingStartTime"] = job.started
    if job.failure_reason:
        record["FailureReason"] = job.failure_reason
    if job.final_metrics:
        record["FinalMetricDataList"] = [dict(m) for m in job.final_metrics]
    if job.ended is not None:
        record["TrainingEndTime"] = job.ended
        seconds = int(job.ended - (job.started if job.started is not None else job.ended))
        count = job.request.get("ResourceConfig", {}).get("InstanceCount", 1)
        record["TrainingTimeInSeconds"] = seconds
        record["BillableTimeInSeconds"] = seconds * count
    if job.status == "Completed":
        # SageMaker's layout: <S3OutputPath>/<job>/output/model.tar.gz, one `/` between,
        # whether or not the output path ends with one.
        output = job.request["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        record["ModelArtifacts"] = {"S3ModelArtifacts": f"{output}/{job.name}/output/model.tar.gz"}
    record.update(rule_evaluation_statuses(job, now))
    return record


def find_training_job(region: RegionState, name: str) -> Job:
    job = region.jobs[TRAINING].get(name)
    if job is None:
        # SageMaker really answers ValidationException here, although its model
        # declares ResourceNotFound (aws/aws-sdk#165).
        raise validation_error("Requested resource not found.")
    return job


def create_training_job(ctx: RequestContext, params: Params) -> Response:
    job = launch_training_job(ctx.world, ctx.region, params, ctx.now)
    return {"TrainingJobArn": job.arn}


def describe(ctx: RequestContext, params: Params) -> Response:
    return describe_training_job(find_training_job(ctx.region, params["TrainingJobName"]), ctx.now)


def stop_training_job(ctx: RequestContext, params: Params) -> Response:
    job = find_training_job(ctx.region, params["TrainingJobName"])
    if job.status != "InProgress":
        raise validation_error(
            f"The request was rejected because the training job is in status {job.status}."
        )
    JobRunner(ctx.world, ctx.region).stop(job, ctx.now)
    return {}


SORT_KEYS = {
    "Name": "TrainingJobName",
    "CreationTime": "CreationTime",
    "Status": "TrainingJobStatus",
}


def list_training_jobs(ctx: RequestContext, params: Params) -> Response:
    jobs = ctx.region.jobs[TRAINING]
    records = [job_record(job, "TrainingJob") for job in in_time_bounds(jobs.values(), params)]
    records = filter_records(records, params, "TrainingJobName", "TrainingJobStatus")
    records = sort_records(records, params, SORT_KEYS)
    fields = list_member_fields("sagemaker", "ListTrainingJobs", "TrainingJobSummaries")
    return list_response(
        records,
        params,
        "TrainingJobSummaries",
        fields,
        lambda record: describe_training_job(jobs[record["TrainingJobName"]], ctx.now),
    )


OPERATIONS: dict[str, Handler] = {
    "CreateTrainingJob": create_training_job,
    "DescribeTrainingJob": describe,
    "StopTrainingJob": stop_training_job,
    "ListTrainingJobs": list_training_jobs,
}
