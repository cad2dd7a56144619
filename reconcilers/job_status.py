"""The job core's status writes: mirror, fail, or report a transient error, with Events.

An Event marks each state change of the job, and each error when it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from controller.reconcile import Result
from controller.resources import KubeObject
from reconcilers.conditions import FALSE, TRUE
from reconcilers.job_kind import SYNCHRONIZING, JobKind
from reconcilers.kube import KubeWriter
from reconcilers.status_writer import StatusWriter, Wanted, kept, reason_of
from sagemaker_client.errors import SageMakerError

log = structlog.get_logger("reconcilers.job")
JOB_LOST = "JobLost"


class JobStatusWriter:
    """Writes one job kind's status and Events."""

    def __init__(self, job: JobKind, kube: KubeWriter) -> None:
        self.job = job
        self.kube = kube
        self.writer = StatusWriter(kube)

    async def mirror(
        self, obj: KubeObject, current: Mapping[str, Any], desired: dict[str, Any]
    ) -> None:
        """What SageMaker said, with conditions Synced=True and Complete/Failed from it."""
        primary = str(desired[self.job.status_field])
        await self.write(obj, current, desired, ok_conditions(primary))

    async def write(
        self,
        obj: KubeObject,
        current: Mapping[str, Any],
        desired: dict[str, Any],
        wanted_conditions: list[Wanted],
    ) -> None:
        """Write ``desired`` if it changed, and record an Event for a state change."""
        if await self.writer.write(obj, current, desired, wanted_conditions):
            await self._events_for(obj, current, desired)

    async def _events_for(
        self, obj: KubeObject, current: Mapping[str, Any], desired: Mapping[str, Any]
    ) -> None:
        before = (current.get(self.job.status_field), current.get("secondaryStatus"))
        after = (desired.get(self.job.status_field), desired.get("secondaryStatus"))
        if before == after and current.get("additional") == desired.get("additional"):
            return
        if after[0] == SYNCHRONIZING:
            return  # no answer from SageMaker yet: the error's own Event says why
        name = desired.get(self.job.status_name_field) or ""
        shown = f"{after[0]} ({after[1]})" if after[1] else str(after[0])
        message = f"SageMaker {self.job.kind.kind} {name} is {shown}"
        if desired.get("additional"):
            message += f": {desired['additional']}"
        kind = "Warning" if after[0] == "Failed" else "Normal"
        await self.kube.event(obj, kind, str(after[0]), message)

    async def fail(
        self,
        obj: KubeObject,
        status: Mapping[str, Any],
        name: str | None,
        reason: str,
        message: str,
    ) -> Result:
        """A terminal error: mark Failed and stop retrying until the spec changes."""
        desired = dict(status)
        desired[self.job.status_field] = "Failed"
        desired["additional"] = message
        if name:
            desired[self.job.status_name_field] = name
        reason = reason_of(reason)
        await self.write(
            obj,
            status,
            desired,
            [
                ("Synced", FALSE, reason, message),
                ("Complete", FALSE, "Failed", message),
                ("Failed", TRUE, reason, message),
            ],
        )
        return Result.done()

    async def unsynced(
        self, obj: KubeObject, status: Mapping[str, Any], name: str, error: SageMakerError
    ) -> None:
        """A transient error: say so in Synced, keep the status, never mark Failed."""
        log.info("sagemaker_transient_error", name=name, code=error.code, error=error.message)
        desired = dict(status)
        desired.setdefault(self.job.status_field, SYNCHRONIZING)
        desired.setdefault(self.job.status_name_field, name)
        others = kept(status, ("Complete", "Failed"))
        if not others:
            primary = str(desired[self.job.status_field])
            others = [t for t in ok_conditions(primary) if t[0] != "Synced"]
        shown = error.advice() if error.credentials else f"{error.code}: {error.message}"
        synced, new = self.writer.synced_false(status, error.code, shown)
        await self._report(obj, status, desired, synced, new, others)

    async def lost(
        self, obj: KubeObject, status: Mapping[str, Any], name: str, message: str
    ) -> None:
        """The job this resource started is gone from SageMaker: say so, change nothing else."""
        log.warning("sagemaker_job_lost", name=name)
        synced, new = self.writer.synced_false(status, JOB_LOST, message)
        await self._report(obj, dict(status), dict(status), synced, new, None)

    async def _report(
        self,
        obj: KubeObject,
        status: Mapping[str, Any],
        desired: dict[str, Any],
        synced: Wanted,
        new: bool,
        others: list[Wanted] | None,
    ) -> None:
        if others is None:
            others = kept(status, ("Complete", "Failed"))
        await self.writer.write(obj, status, desired, [synced, *others])
        if new:
            # One Event when an error starts (or changes), not one per retry of it.
            await self.kube.event(obj, "Warning", synced[2], synced[3])


def ok_conditions(primary: str) -> list[Wanted]:
    return [
        ("Synced", TRUE, "Synced", "the status mirrors SageMaker"),
        ("Complete", TRUE if primary == "Completed" else FALSE, reason_of(primary), primary),
        ("Failed", TRUE if primary == "Failed" else FALSE, reason_of(primary), primary),
    ]
