"""One reconcile loop for every long-lived SageMaker kind; each kind is a ``ServiceKind``.

Services are "read, compare, create/update/delete, Ready": a pass reads what SageMaker has,
creates it when it is missing, applies the spec's changes, removes what a change
superseded, and mirrors the result into the status with conditions ``Synced`` and ``Ready``.

Each spec generation gets one attempt. ``status.observedGeneration`` records the generation
the operator has acted on; while it lags, the change is pending. A change SageMaker refuses
(a Create, Update, Delete or Put it answers with a client error) is reported and not
retried until the spec changes again (no hot loop), and a fixed spec is tried at once (a
new generation is pending at once). A failed read refuses nothing: it is retried. After
that only drift is repaired: an object deleted behind the operator's back is made again,
and said so in an Event.

Polling follows what SageMaker is doing: while it is moving (an endpoint Creating or
Updating) the resource is looked at every poll interval; once settled, every drift period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic

import structlog
from pydantic import ValidationError

from controller.cache import ObjectCache
from controller.reconcile import Result
from controller.resources import KubeObject
from reconcilers.conditions import FALSE, TRUE
from reconcilers.job_kind import SYNCHRONIZING
from reconcilers.kube import KubeWriter, metadata
from reconcilers.ownership import NOT_OWNED, NotOwned, refused_then_adopted, retained
from reconcilers.resource_core import ResourceReconciler, first_error, parse_spec
from reconcilers.runtime import OperatorRuntime
from reconcilers.service_kind import NotYet, Observation, ServiceContext, ServiceKind, State
from reconcilers.status_writer import SYNCED, StatusWriter, Wanted, kept, reason_of
from sagemaker_client.errors import SageMakerError

READY = "Ready"
_IN_SYNC: Wanted = (SYNCED, TRUE, "Synced", "the status mirrors SageMaker")

log = structlog.get_logger("reconcilers.service")


class ServiceReconciler(ResourceReconciler, Generic[State]):
    """Reconciles one service kind; built once per controller."""

    def __init__(
        self,
        service: ServiceKind[State],
        cache: ObjectCache,
        writer: KubeWriter,
        runtime: OperatorRuntime,
    ) -> None:
        super().__init__(cache, writer, runtime)
        self.service = service
        self.status = StatusWriter(writer)

    # -- one pass --------------------------------------------------------------------------

    async def sync(self, obj: KubeObject, started_before: bool) -> Result:
        current: dict[str, Any] = obj.get("status") or {}
        try:
            spec = parse_spec(self.service.info.spec, obj)
        except ValidationError as error:
            return await self._refused(obj, current, None, None, "InvalidSpec", first_error(error))
        ctx = self._context(obj, spec, current)
        if not ctx.pending and not self.service.recorded(ctx):
            # This generation was acted on and what it wants was never made: it was
            # refused. Nothing to do, and nothing to ask SageMaker, until the spec changes.
            return Result.done()
        state: State | None = None
        waiting: str | None = None
        acted = True
        try:
            state = await self.service.read(ctx)
            if state is None:
                if not ctx.pending:
                    await ctx.event(
                        "Warning",
                        "Recreating",
                        f"the SageMaker {self.service.noun} was deleted outside the operator; "
                        "creating it again",
                    )
                state = await self.service.create(ctx)
            else:
                delta = self.service.delta(ctx, state)
                if delta is not None and delta.blocked is not None:
                    waiting = delta.blocked
                elif delta is not None:
                    log.info("updating", change=delta.description)
                    state = await self.service.update(ctx, state, delta)
                    acted = delta.completes
            if waiting is None:
                await self.service.settle(ctx, state)
        except NotOwned as refusal:
            return await self._refused(obj, current, ctx, state, NOT_OWNED, str(refusal))
        except NotYet as wait:
            return await self._not_yet(ctx, current, state, wait)
        except SageMakerError as error:
            if error.terminal:
                message = f"{error.operation}: {error.message}"
                return await self._refused(obj, current, ctx, state, error.code, message)
            return await self._unsynced(ctx, current, error)

        observed = self.service.observe(ctx, state)
        ready = _ready(observed)
        if waiting is not None:
            ready = (READY, ready[1], ready[2], f"{ready[3]}; {waiting}")
        acted = acted and waiting is None
        await self._write(
            obj, current, dict(observed.status), [_IN_SYNC, ready], observed, acted=acted
        )
        if observed.busy or waiting is not None:
            return Result.after(self.runtime.poll_delay())
        return Result.after(self.runtime.drift_delay())

    def _context(self, obj: KubeObject, spec: Any, current: Mapping[str, Any]) -> ServiceContext:
        pending = current.get("observedGeneration") != metadata(obj).get(
            "generation"
        ) or refused_then_adopted(obj, current, SYNCED)
        return ServiceContext(obj, spec, self.runtime, self.writer, pending)

    # -- outcomes --------------------------------------------------------------------------

    async def _refused(
        self,
        obj: KubeObject,
        current: Mapping[str, Any],
        ctx: ServiceContext | None,
        state: State | None,
        code: str,
        message: str,
    ) -> Result:
        """SageMaker (or the schema) said no: report it, and act on this generation no more."""
        reason = reason_of(code)
        observed = (
            self.service.observe(ctx, state) if ctx is not None and state is not None else None
        )
        if observed is None and ctx is not None and self.service.recorded(ctx):
            # Refused before SageMaker was asked (a region or endpoint the operator may
            # not use): what exists stays as the status last said.
            desired = dict(current)
            ready: Wanted = (kept(current, (READY,)) or [(READY, FALSE, reason, message)])[0]
        elif observed is None:
            # Nothing the spec wants exists; keep what the status says of what does.
            desired = {**current, self.service.status_field: "Failed"}
            ready = (READY, FALSE, reason, message)
        else:
            desired, ready = dict(observed.status), _ready(observed)
        desired["additional"] = message
        wanted = [(SYNCED, FALSE, reason, message), ready]
        told = await self._write(obj, current, desired, wanted, None)
        if not told and current.get("additional") != message:
            await self.writer.event(obj, "Warning", reason, message)
        if observed is None:
            return Result.done()
        return Result.after(self.runtime.drift_delay())

    async def _unsynced(
        self, ctx: ServiceContext, current: Mapping[str, Any], error: SageMakerError
    ) -> Result:
        """A transient error: say so in Synced and retry with backoff; nothing is failed."""
        log.info("sagemaker_transient_error", code=error.code, error=error.message)
        synced, new = self._synced_false(current, error)
        desired = dict(current)
        desired.setdefault(self.service.status_field, SYNCHRONIZING)
        if ctx.pending and self.service.working_status is not None:
            # A change is being applied: the status says the operator is on it, and why not yet.
            desired[self.service.status_field] = self.service.working_status
            desired["additional"] = synced[3]
        ready = kept(current, (READY,)) or [(READY, FALSE, "Synchronizing", synced[3])]
        await self._write(ctx.obj, current, desired, [synced, *ready], None, acted=False)
        if new:
            # One Event when an error starts (or changes), not one per retry of it.
            await ctx.event("Warning", synced[2], synced[3])
        return self.retry(ctx.obj, error)

    def _synced_false(
        self, current: Mapping[str, Any], error: SageMakerError
    ) -> tuple[Wanted, bool]:
        """Synced=False for ``error`` (for refused credentials, what the admin should fix),
        and whether the error is new."""
        shown = (
            error.advice()
            if error.credentials
            else f"{error.operation}: {error.code}: {error.message}"
        )
        return self.status.synced_false(current, error.code, shown)

    async def _not_yet(
        self, ctx: ServiceContext, current: Mapping[str, Any], state: State | None, wait: NotYet
    ) -> Result:
        """A step that must wait: the status and one Event say why; try again later."""
        if state is not None:
            observed: Observation | None = self.service.observe(ctx, state)
            assert observed is not None
            desired, ready = dict(observed.status), _ready(observed)
        else:
            observed = None
            desired = dict(current)
            desired[self.service.status_field] = self.service.working_status or SYNCHRONIZING
            ready = (READY, FALSE, reason_of(wait.reason), wait.message)
        desired["additional"] = wait.message
        await self._write(ctx.obj, current, desired, [_IN_SYNC, ready], observed, acted=False)
        if current.get("additional") != wait.message:
            await ctx.event("Warning" if wait.backoff else "Normal", wait.reason, wait.message)
        if wait.backoff:
            return Result.requeue_with_backoff()
        return Result.after(self.runtime.poll_delay())

    async def _write(
        self,
        obj: KubeObject,
        current: Mapping[str, Any],
        desired: dict[str, Any],
        wanted: list[Wanted],
        observed: Observation | None,
        *,
        acted: bool = True,
    ) -> bool:
        """Write the status; ``acted`` says whether this generation has been acted on.

        True when the write recorded an Event for a change of the primary status."""
        written = await self.status.write(
            obj,
            current,
            desired,
            wanted,
            observed_generation=current.get("observedGeneration"),
            generation_is_current=acted,
        )
        field = self.service.status_field
        before, after = current.get(field), desired.get(field)
        if written and after != before and after not in (None, SYNCHRONIZING):
            subject = f" {observed.subject}" if observed is not None and observed.subject else ""
            message = f"SageMaker {self.service.noun}{subject} is {after}"
            if desired.get("additional"):
                message += f": {desired['additional']}"
            kind = "Warning" if after == "Failed" else "Normal"
            await self.writer.event(obj, kind, reason_of(str(after)), message)
            return True
        return False

    # -- deletion --------------------------------------------------------------------------

    async def finalize(self, obj: KubeObject) -> Result | None:
        if retained(obj):
            return None  # the SageMaker objects stay, as the annotation asks
        current: dict[str, Any] = obj.get("status") or {}
        try:
            spec = parse_spec(self.service.info.spec, obj)
        except ValidationError:
            return None  # never valid, so nothing was ever made
        ctx = self._context(obj, spec, current)
        deleting = {**current, self.service.status_field: self.service.deleting_status}
        deleting.pop("additional", None)
        try:
            if await self.service.delete(ctx):
                return None
        except NotOwned as refusal:
            await ctx.event("Warning", NOT_OWNED, f"not deleted from SageMaker: {refusal}")
            return None
        except NotYet as wait:
            deleting["additional"] = wait.message
            await self._write(obj, current, deleting, kept(current, (SYNCED, READY)), None)
            if current.get("additional") != wait.message:
                await ctx.event("Warning", wait.reason, wait.message)
            if wait.backoff:
                return Result.requeue_with_backoff()
            return Result.after(self.runtime.poll_delay())
        except SageMakerError as error:
            synced, new = self._synced_false(current, error)
            deleting["additional"] = synced[3]
            await self._write(obj, current, deleting, [synced, *kept(current, (READY,))], None)
            if new:
                await ctx.event("Warning", synced[2], synced[3])
            return self.retry(obj, error)
        ready: Wanted = (READY, FALSE, "Deleting", f"deleting the SageMaker {self.service.noun}")
        await self._write(obj, current, deleting, [_IN_SYNC, ready], None)
        return Result.after(self.runtime.poll_delay())


def _ready(observed: Observation) -> Wanted:
    return (READY, TRUE if observed.ready else FALSE, reason_of(observed.reason), observed.message)
