"""Processing and transform jobs: Create, Describe, Stop and List for each.

They share the training lifecycle but expose only a primary status; their
phases still drive the log events and the start and end times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import resource_in_use, validation_error
from sagemaker_emulator.jobs import Job, JobRunner, Phase, in_time_bounds, job_record
from sagemaker_emulator.listing import filter_records, list_response, sort_records
from sagemaker_emulator.service_models import list_member_fields, output_members, project
from sagemaker_emulator.state import PROCESSING, TRANSFORM, RegionState, World, make_arn


@dataclass(frozen=True)
class BatchKind:
    kind: str
    noun: str  # "processing job"
    field: str  # "ProcessingJob"
    log_group: str
    main_phase: str
    default_order: str

    def phases(self, world: World) -> list[Phase]:
        timings = world.timings
        if self.kind == PROCESSING:
            starting, running = timings.processing_starting, timings.processing_running
        else:
            starting, running = timings.transform_starting, timings.transform_running
        return [
            Phase("Starting", "Launching requested ML instances", starting),
            Phase(self.main_phase, f"{self.noun.capitalize()} in progress", running, main=True),
        ]


PROCESSING_KIND = BatchKind(
    PROCESSING,
    "processing job",
    "ProcessingJob",
    "/aws/sagemaker/ProcessingJobs",
    "Processing",
    "Ascending",
)
TRANSFORM_KIND = BatchKind(
    TRANSFORM,
    "transform job",
    "TransformJob",
    "/aws/sagemaker/TransformJobs",
    "Transforming",
    "Descending",
)


def _describe(kind: BatchKind, job: Job) -> dict[str, Any]:
    record = project(job.request, output_members("sagemaker", f"Describe{kind.field}"))
    start_field, end_field = (
        ("ProcessingStartTime", "ProcessingEndTime")
        if kind.kind == PROCESSING
        else ("TransformStartTime", "TransformEndTime")
    )
    record.update(
        {
            f"{kind.field}Arn": job.arn,
            f"{kind.field}Status": job.status,
            "CreationTime": job.created,
        }
    )
    # ListTransformJobs summaries carry LastModifiedTime though DescribeTransformJob
    # does not; the describe handler projects it away.
    record["LastModifiedTime"] = job.last_modified
    if kind.kind == PROCESSING and job.status == "Completed":
        record["ExitMessage"] = "Processing job completed"
    if job.started is not None:
        record[start_field] = job.started
    if job.ended is not None:
        record[end_field] = job.ended
    if job.failure_reason:
        record["FailureReason"] = job.failure_reason
    return record


def _find(kind: BatchKind, region: RegionState, name: str) -> Job:
    job = region.jobs[kind.kind].get(name)
    if job is None:
        raise validation_error(f"Could not find requested job with name {name}")
    return job


def _handlers(kind: BatchKind) -> dict[str, Handler]:
    name_field = f"{kind.field}Name"
    describe_members = output_members("sagemaker", f"Describe{kind.field}")

    def create(ctx: RequestContext, params: Params) -> Response:
        name = params[name_field]
        arn = make_arn(ctx.region.name, kind.kind, name)
        jobs = ctx.region.jobs[kind.kind]
        if name in jobs:
            raise resource_in_use(
                f"{kind.noun.capitalize()} names must be unique within an AWS account and "
                f"region, and a {kind.noun} with this name already exists ({arn})"
            )
        if kind.kind == TRANSFORM and params["ModelName"] not in ctx.region.models:
            model_arn = make_arn(ctx.region.name, "model", params["ModelName"])
            raise validation_error(f'Could not find model "{model_arn}".')
        job = Job(kind.kind, name, arn, params, ctx.now, kind.log_group)
        jobs[name] = job
        ctx.region.tags[arn] = list(params.get("Tags", []))
        failure = ctx.world.outcomes.failure_for(kind.kind, name)
        JobRunner(ctx.world, ctx.region).start(job, kind.phases(ctx.world), failure)
        return {f"{kind.field}Arn": arn}

    def describe(ctx: RequestContext, params: Params) -> Response:
        record = _describe(kind, _find(kind, ctx.region, params[name_field]))
        return {k: v for k, v in record.items() if k in describe_members}

    def stop(ctx: RequestContext, params: Params) -> Response:
        job = _find(kind, ctx.region, params[name_field])
        if job.status != "InProgress":
            raise validation_error(
                f"The request was rejected because the {kind.noun} is in status {job.status}."
            )
        JobRunner(ctx.world, ctx.region).stop(job, ctx.now)
        return {}

    sort_keys = {
        "Name": name_field,
        "CreationTime": "CreationTime",
        "Status": f"{kind.field}Status",
    }
    list_field = f"{kind.field}Summaries"
    summary_fields = list_member_fields("sagemaker", f"List{kind.field}s", list_field)

    def list_jobs(ctx: RequestContext, params: Params) -> Response:
        jobs = ctx.region.jobs[kind.kind]
        records = [job_record(job, kind.field) for job in in_time_bounds(jobs.values(), params)]
        records = filter_records(records, params, name_field, f"{kind.field}Status")
        records = sort_records(records, params, sort_keys, default_order=kind.default_order)
        return list_response(
            records,
            params,
            list_field,
            summary_fields,
            lambda record: _describe(kind, jobs[record[name_field]]),
        )

    return {
        f"Create{kind.field}": create,
        f"Describe{kind.field}": describe,
        f"Stop{kind.field}": stop,
        f"List{kind.field}s": list_jobs,
    }


OPERATIONS: dict[str, Handler] = {**_handlers(PROCESSING_KIND), **_handlers(TRANSFORM_KIND)}
