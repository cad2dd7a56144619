"""The job lifecycle shared by training, processing and transform jobs.

A job walks through timed phases (SageMaker's secondary statuses), writing log
events as it goes, and ends Completed, Failed (scripted), Stopped (on request)
or Stopped with MaxRuntimeExceeded. Every step is a scheduler event stamped
with the job's generation, so a stop cancels whatever was still planned.

Progress log lines are planned one at a time (each line schedules the next), so a job
holds one pending event whatever its phase's length: a job training for a simulated week
costs what a short one does until its lines are actually due.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import structlog

from sagemaker_emulator.listing import time_limits, within
from sagemaker_emulator.log_store import instance_streams
from sagemaker_emulator.state import RegionState, World

if TYPE_CHECKING:
    from sagemaker_emulator.rules import RuleEvaluation

log = structlog.get_logger(__name__)

TERMINAL = frozenset({"Completed", "Failed", "Stopped"})

Listener = Callable[["Job", float], None]


@dataclass(frozen=True)
class Phase:
    status: str
    message: str
    duration: float
    main: bool = False


@dataclass
class Job:
    kind: str
    name: str
    arn: str
    request: dict[str, Any]
    created: float
    log_group: str
    status: str = "InProgress"
    secondary: str = "Starting"
    transitions: list[dict[str, Any]] = field(default_factory=list)
    last_modified: float = 0.0
    started: float | None = None
    ended: float | None = None
    failure_reason: str | None = None
    generation: int = 0
    metric_values: dict[str, float] = field(default_factory=dict)
    final_metrics: list[dict[str, Any]] = field(default_factory=list)
    log_stream: str | None = None
    # Every instance's stream (the first is ``log_stream``), once the instances are up.
    log_streams: tuple[str, ...] = ()
    tuning_job_arn: str | None = None
    tuning_job_name: str | None = None
    tuned_hyperparameters: dict[str, str] | None = None
    # A training job's debugger and profiler rules (see sagemaker_emulator.rules).
    rule_evaluations: list[RuleEvaluation] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


def in_time_bounds(jobs: Iterable[Job], params: dict[str, Any]) -> list[Job]:
    """The jobs inside the request's creation and modification time bounds, read from the
    jobs themselves: a change list over thousands of jobs builds records only for the few
    that changed."""
    limits = time_limits(params)
    if not limits:
        return list(jobs)
    return [job for job in jobs if within(limits, partial(_job_time, job))]


def _job_time(job: Job, field: str) -> float:
    return job.created if field == "CreationTime" else job.last_modified


def job_record(job: Job, field: str) -> dict[str, Any]:
    """What a List* call filters and sorts a job by, under SageMaker's names (``field`` is
    e.g. ``TrainingJob``); the page it returns is then described in full."""
    return {
        f"{field}Name": job.name,
        f"{field}Status": job.status,
        "CreationTime": job.created,
        "LastModifiedTime": job.last_modified,
    }


def seeded_random(name: str) -> random.Random:
    """A generator that gives the same numbers for the same name on every run."""
    return random.Random(zlib.crc32(name.encode()))


class JobRunner:
    """Drives jobs of every kind through their phases on the scheduler."""

    def __init__(self, world: World, region: RegionState) -> None:
        self._world = world
        self._region = region

    def start(self, job: Job, phases: list[Phase], failure: str | None) -> None:
        job.last_modified = job.created
        self._enter(job, phases, 0, job.created, failure)
        max_runtime = job.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        if max_runtime and len(phases) > 1:
            # SageMaker counts the runtime from the moment the instances are ready.
            limit_at = job.created + phases[0].duration + float(max_runtime)
            self._at(job, limit_at, self._exceed_max_runtime)

    def _at(self, job: Job, when: float, step: Callable[[Job, float], None]) -> None:
        generation = job.generation

        def fire(at: float) -> None:
            if job.generation == generation and not job.finished:
                step(job, at)

        self._world.scheduler.at(when, fire)

    def _transition(self, job: Job, status: str, message: str, at: float) -> None:
        if job.transitions and "EndTime" not in job.transitions[-1]:
            job.transitions[-1]["EndTime"] = at
        job.transitions.append({"Status": status, "StartTime": at, "StatusMessage": message})
        job.secondary = status
        job.last_modified = at

    def write_log(self, job: Job, at: float, message: str) -> None:
        self._region.logs.append_instances(job.log_group, job.log_streams, at, message)

    def _enter(
        self, job: Job, phases: list[Phase], index: int, at: float, failure: str | None
    ) -> None:
        phase = phases[index]
        self._transition(job, phase.status, phase.message, at)
        if index == 1:
            job.started = at
            job.log_streams = instance_streams(job.name, job.request, at)
            job.log_stream = job.log_streams[0]
            self._region.logs.open(job.log_group, job.log_streams, at)
        self.write_log(job, at, f"{phase.status} - {phase.message}")
        end = at + phase.duration
        if phase.main:
            self._plan_progress_logs(job, at, end)
        if phase.main and failure is not None:
            self._at(job, at + phase.duration / 2, lambda j, t: self.fail(j, t, failure))
        elif index + 1 < len(phases):
            self._at(job, end, lambda j, t: self._enter(j, phases, index + 1, t, failure))
        else:
            self._at(job, end, self._complete)

    def _plan_progress_logs(self, job: Job, start: float, end: float) -> None:
        interval = self._world.timings.log_interval
        if interval > 0:
            self._next_progress(job, 1, start + interval, interval, end)

    def _next_progress(self, job: Job, step: int, at: float, interval: float, end: float) -> None:
        """Schedule progress line ``step`` at ``at``; writing it schedules the one after."""
        if at >= end:
            return

        def progress(job: Job, when: float) -> None:
            rng = seeded_random(f"{job.name}/{step}")
            self.write_log(job, when, f"[step {step}] progress: loss={rng.uniform(0.05, 1.0):.4f}")
            self._next_progress(job, step + 1, when + interval, interval, end)

        self._at(job, at, progress)

    def _finish(self, job: Job, status: str, secondary: str, message: str, at: float) -> None:
        self._transition(job, secondary, message, at)
        job.transitions[-1]["EndTime"] = at
        job.status = status
        job.ended = at
        job.generation += 1
        log.info("emulator.job_finished", kind=job.kind, job=job.name, status=status)
        for listener in list(job.listeners):
            listener(job, at)

    def _complete(self, job: Job, at: float) -> None:
        job.final_metrics = [
            {"MetricName": name, "Value": value, "Timestamp": at}
            for name, value in sorted(job.metric_values.items())
        ]
        for metric in job.final_metrics:
            self.write_log(job, at, f"#metrics {metric['MetricName']}={metric['Value']:.6f}")
        self.write_log(job, at, "Job completed successfully")
        self._finish(job, "Completed", "Completed", "Job completed", at)

    def fail(self, job: Job, at: float, reason: str) -> None:
        job.failure_reason = reason
        self.write_log(job, at, f"ERROR - {reason}")
        self._finish(job, "Failed", "Failed", reason, at)

    def _exceed_max_runtime(self, job: Job, at: float) -> None:
        self.write_log(job, at, "Job stopped: MaxRuntimeInSeconds exceeded")
        self._finish(
            job,
            "Stopped",
            "MaxRuntimeExceeded",
            "Job stopped because max run time exceeded",
            at,
        )

    def stop(self, job: Job, at: float) -> None:
        """Stopping now, Stopped after the stopping phase (caller checked InProgress)."""
        job.generation += 1
        job.status = "Stopping"
        self._transition(job, "Stopping", "Stopping the job", at)
        self.write_log(job, at, "Stopping - stop requested")
        generation = job.generation

        def stopped(when: float) -> None:
            if job.generation == generation:
                self.write_log(job, when, "Job stopped")
                self._finish(job, "Stopped", "Stopped", "Job stopped", when)

        self._world.scheduler.at(at + self._world.timings.job_stopping, stopped)
