"""The job core's status writes: mirror, fail, or report a transient error, with Events.

Status is merge-patched only when it changed; conditions keep their lastTransitionTime while
their status holds; an Event marks each state change, and each error when it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from kubernetes_asyncio.client.exceptions import ApiException

from controller.reconcile import Result
from controller.resources import KubeObject
from reconcilers.conditions import FALSE, TRUE, condition, merge_conditions
from reconcilers.job_kind import SYNCHRONIZING, JobKind
from reconcilers.kube import KubeWriter, metadata, now_rfc3339, status_patch
from sagemaker_client.errors import SageMakerError

log = structlog.get_logger("reconcilers.job")


class JobStatusWriter:
    """Writes one job kind's status and Events."""

    def __init__(self, job: JobKind, kube: KubeWriter) -> None:
        self.job = job
        self.kube = kube

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
        wanted_conditions: list[tuple[str, str, str, str]],
    ) -> None:
        """Merge-patch ``desired`` (its conditions replaced by ``wanted_conditions``) if it
        differs from ``current``, and record an Event for a state change."""
        generation = metadata(obj).get("generation")
        desired["observedGeneration"] = generation
        desired["conditions"] = merge_conditions(
            current.get("conditions"),
            [condition(t, s, r, m, generation) for t, s, r, m in wanted_conditions],
        )
        if "lastCheckTime" in current:
            desired.setdefault("lastCheckTime", current["lastCheckTime"])
        patch = status_patch(current, desired)
        if not patch:
            return  # nothing changed: no write, no event
        patch["lastCheckTime"] = now_rfc3339()
        try:
            await self.kube.patch_status(obj, patch)
        except ApiException as error:
            if error.status == 404:
                return
            raise
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
        previous = {c.get("type"): c for c in status.get("conditions") or []}
        kept = [
            (t, str(c.get("status")), str(c.get("reason")), str(c.get("message")))
            for t, c in previous.items()
            if t in ("Complete", "Failed") and c
        ]
        primary = str(desired[self.job.status_field])
        if not kept:
            kept = [t for t in ok_conditions(primary) if t[0] != "Synced"]
        # The reason, not the message, decides whether we write: messages carry request ids.
        synced = previous.get("Synced") or {}
        same = synced.get("status") == FALSE and synced.get("reason") == reason_of(error.code)
        message = str(synced.get("message")) if same else f"{error.code}: {error.message}"
        synced_now = ("Synced", FALSE, reason_of(error.code), message)
        await self.write(obj, status, desired, [synced_now, *kept])
        if not same:
            # One Event when an error starts (or changes), not one per retry of it.
            await self.kube.event(obj, "Warning", reason_of(error.code), message)


def ok_conditions(primary: str) -> list[tuple[str, str, str, str]]:
    return [
        ("Synced", TRUE, "Synced", "the status mirrors SageMaker"),
        ("Complete", TRUE if primary == "Completed" else FALSE, reason_of(primary), primary),
        ("Failed", TRUE if primary == "Failed" else FALSE, reason_of(primary), primary),
    ]


def reason_of(text: str) -> str:
    cleaned = "".join(ch for ch in text if ch.isalnum() or ch == "_")
    return cleaned[:1].upper() + cleaned[1:] if cleaned and cleaned[0].isalpha() else "Error"
