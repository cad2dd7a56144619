"""One reconcile loop for every SageMaker job kind; each kind is a thin ``JobKind``.

Jobs are "create once, end terminal". Level-based: read the cached object, read SageMaker,
decide, act, write status. The SageMaker name is derived deterministically and creation is
"create, and on ResourceInUse find": a crash between create and status write, or a create
whose response was lost, finds the first job on the next pass instead of starting a second
one. A job is only ever taken over when its ownership tag carries this resource's uid (or
the resource asks to adopt).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from controller.cache import ObjectCache
from controller.reconcile import Result
from controller.resources import KubeObject, ObjectKey
from reconcilers.change_feed import Seen, epoch
from reconcilers.job_kind import RUNNING, SYNCHRONIZING, TERMINAL, JobContext, JobKind
from reconcilers.job_status import JobStatusWriter
from reconcilers.kube import KubeWriter, metadata
from reconcilers.naming import derived_name
from reconcilers.ownership import (
    NOT_OWNED,
    NotOwned,
    annotated,
    check_owner,
    old_operators_names,
    refused_then_adopted,
    retained,
    verified,
    with_owner_tag,
)
from reconcilers.resource_core import ResourceReconciler, first_error, parse_spec
from reconcilers.runtime import OperatorRuntime
from sagemaker_client.errors import SageMakerError

# Asks the operator to start a job again that SageMaker no longer knows (see JobLost).
RERUN_ANNOTATION = "sagemaker.aws.amazon.com/rerun-lost-job"


class JobLost(Exception):
    """A job this resource started is gone from SageMaker (an account or endpoint change)."""


class JobReconciler(ResourceReconciler):
    """Reconciles one job kind; built once per controller."""

    def __init__(
        self,
        job: JobKind,
        cache: ObjectCache,
        writer: KubeWriter,
        runtime: OperatorRuntime,
        *,
        wake: Callable[[ObjectKey], None] | None = None,
    ) -> None:
        super().__init__(cache, writer, runtime)
        self.job = job
        self.status = JobStatusWriter(job, writer)
        # Hands a key to this controller's workers ahead of new ones. With it, a running job
        # is watched by the change feed, which wakes it when it changes; without it (or for
        # a kind with no change list) a running job is reconciled every poll interval.
        self._wake = wake
        # What the last describe of each running job saw, and for which generation: the
        # change lists vouch for a job only from there (none after a restart: described).
        self._seen: dict[ObjectKey, tuple[Seen, Any]] = {}
        # Keys the change feed woke, whose next reconcile's calls go ahead of the queue.
        self._woken_keys: set[ObjectKey] = set()

    def forget(self, key: ObjectKey) -> None:
        super().forget(key)
        self._unwatch(key)
        self._woken_keys.discard(key)

    def _unwatch(self, key: ObjectKey) -> None:
        self._seen.pop(key, None)
        self.runtime.changes.unwatch((id(self), key))

    def _woken(self, key: ObjectKey) -> None:
        """The change feed says the job changed or it cannot vouch for it: describe it."""
        self._seen.pop(key, None)
        self._woken_keys.add(key)
        self.poll_now(key)
        if self._wake is not None:
            self._wake(key)

    def _next_poll(self, key: ObjectKey) -> float:
        if self.runtime.changes.watching((id(self), key)):
            return self.runtime.watched_delay()  # a safety net: the feed wakes it
        return self.runtime.poll_delay()

    def wants_finalizer(self, obj: KubeObject) -> bool:
        return not self.job.is_mirror(obj)  # a tuning job owns its mirrors' lifecycle

    async def sync(self, obj: KubeObject, started_before: bool) -> Result:
        mirror = self.job.is_mirror(obj)
        status: dict[str, Any] = obj.get("status") or {}
        key = ObjectKey.of(obj)
        woken = key in self._woken_keys
        self._woken_keys.discard(key)
        if self._finished(obj, status):
            return Result.done()  # a finished job costs no SageMaker call, ever
        if await self._unchanged(obj, status):
            return Result.after(self._next_poll(key))  # the list vouches: no describe
        # Until this pass has described the job, nothing vouches for what was seen before.
        self._unwatch(key)
        asked_at = self.runtime.changes.now()

        try:
            spec = parse_spec(self.job.info.spec, obj)
        except ValidationError as error:
            return await self.status.fail(obj, status, None, "InvalidSpec", first_error(error))
        ctx = self._context(obj, spec, status)
        ctx.ahead = woken
        describe: dict[str, Any] | None
        try:
            if mirror:
                describe = await self._describe(ctx)
            else:
                describe = await self._find_or_create(ctx, status, started_before)
            # Children first: once the terminal status is written this job is never
            # looked at again, so a child missed now would be missed for good.
            if self.job.sync_children is not None and describe is not None:
                await self.job.sync_children(ctx, describe)
        except NotOwned as refusal:
            return await self.status.fail(obj, status, ctx.sagemaker_name, NOT_OWNED, str(refusal))
        except JobLost as lost:
            await self.status.lost(obj, status, ctx.sagemaker_name, str(lost))
            # Nothing to poll: the resource waits for its user (the annotation wakes it) or
            # for an operator restart (after the account or endpoint is put back).
            return Result.done()
        except SageMakerError as error:
            # A refused create: only a spec change helps. A job already running is never
            # failed by the operator (only a refusal before any call, such as an endpoint
            # the admin no longer allows, can reach it).
            if error.terminal and status.get(self.job.status_field) not in RUNNING:
                return await self.status.fail(
                    obj, status, ctx.sagemaker_name, error.code, error.message
                )
            await self.status.unsynced(obj, status, ctx.sagemaker_name, error)
            return self.retry(obj, error)

        if describe is None:
            # Just created: SageMaker starts every job InProgress. The next poll brings the
            # details; describing now would only add a call that can fail.
            primary = "InProgress"
            desired = {
                **status,
                self.job.status_field: primary,
                self.job.status_name_field: ctx.sagemaker_name,
            }
            desired.pop("additional", None)
        else:
            primary = str(describe[self.job.describe_status_key])
            desired = self.job.status_from_describe(describe, ctx.region).model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
        await self.status.mirror(obj, status, desired)
        if primary in TERMINAL and not self.job.still_changing(desired):
            return Result.done()
        if describe is not None:
            modified = describe.get("LastModifiedTime")
            seen = Seen(asked_at, None if modified is None else epoch(modified))
            self._seen[key] = (seen, metadata(obj).get("generation"))
            if primary in RUNNING:
                self._watch(ctx, key, seen)
        return Result.after(self._next_poll(key))

    def _watch(self, ctx: JobContext, key: ObjectKey, seen: Seen) -> None:
        """Let the change feed wake the job when SageMaker changes it."""
        changes = self.job.changes
        if changes is None or self._wake is None:
            return
        self.runtime.changes.watch(
            changes,
            ctx.region,
            ctx.endpoint or None,
            (id(self), key),
            ctx.sagemaker_name,
            seen,
            lambda: self._woken(key),
        )

    # -- decisions -------------------------------------------------------------------------

    async def _unchanged(self, obj: KubeObject, status: Mapping[str, Any]) -> bool:
        """A running job that SageMaker's change list vouches has not changed since its last
        describe (same spec generation): nothing to ask, nothing to write."""
        changes = self.job.changes
        if changes is None or status.get(self.job.status_field) not in RUNNING:
            return False
        found = self._seen.get(ObjectKey.of(obj))
        if found is None or found[1] != metadata(obj).get("generation"):
            return False
        spec = obj.get("spec") or {}
        region = spec.get("region")
        if not isinstance(region, str):
            return False
        endpoint = spec.get("sageMakerEndpoint") or None
        name = self._sagemaker_name(obj, status)
        return (
            await self.runtime.changes.changed(changes, region, endpoint, name, found[0]) is False
        )

    def _finished(self, obj: KubeObject, status: Mapping[str, Any]) -> bool:
        if refused_then_adopted(obj, status, "Failed"):
            return False  # the refusal told the user to annotate; they did
        return (
            status.get(self.job.status_field) in TERMINAL
            and not self.job.still_changing(status)
            and status.get("observedGeneration") == metadata(obj).get("generation")
            and bool(status.get(self.job.status_name_field))
        )

    def _context(self, obj: KubeObject, spec: Any, status: Mapping[str, Any]) -> JobContext:
        return JobContext(obj, spec, self.runtime, self.writer, self._sagemaker_name(obj, status))

    def _sagemaker_name(self, obj: KubeObject, status: Mapping[str, Any]) -> str:
        recorded = status.get(self.job.status_name_field)
        if recorded:
            return str(recorded)
        chosen = (obj.get("spec") or {}).get(self.job.name_field)
        if chosen:
            return str(chosen)
        meta = metadata(obj)
        return derived_name(meta["name"], meta["uid"], self.job.name_limit)

    # -- SageMaker -------------------------------------------------------------------------

    async def _describe(self, ctx: JobContext) -> dict[str, Any]:
        return await ctx.call(
            self.job.describe_operation, {self.job.name_param: ctx.sagemaker_name}
        )

    async def _find_or_create(
        self, ctx: JobContext, status: Mapping[str, Any], started_before: bool
    ) -> dict[str, Any] | None:
        """The job's Describe* answer, or None when this call has just created it.

        A fresh resource is created at once (one call, not a describe first). One that an
        operator took up before (its finalizer was there: this one before a crash, or the old
        operator, which never wrote a status for some) is described first, so that a job it
        may already have started is found without even a refused create.
        """
        started = status.get(self.job.status_field) not in (None, SYNCHRONIZING)
        if started or started_before:
            try:
                describe = await self._describe(ctx)
            except SageMakerError as error:
                if not error.is_not_found:
                    raise
                # SageMaker never deletes jobs: the operator's account, role or endpoint
                # changed. Creating it again would run and bill it twice, so only on request.
                if started and not annotated(ctx.obj, RERUN_ANNOTATION):
                    raise JobLost(self._lost_message(ctx)) from error
            else:
                if not verified(status):  # the old operator's status, or none
                    await self._check_owner(ctx, describe)
                return describe
        request = self.job.build_request(ctx.spec, ctx.sagemaker_name)
        request["Tags"] = with_owner_tag(request.get("Tags"), ctx.uid)
        try:
            await ctx.call(self.job.create_operation, request)
        except SageMakerError as error:
            if not error.is_already_exists:
                raise
            describe = await self._describe(ctx)
            await self._check_owner(ctx, describe)
            return describe
        return None

    def _lost_message(self, ctx: JobContext) -> str:
        where = f"region {ctx.region}" + (f" at {ctx.endpoint}" if ctx.endpoint else "")
        return (
            f"SageMaker has no {self.job.kind.kind} named {ctx.sagemaker_name!r} in {where}, "
            "although this resource started it: the operator's AWS account, role or SageMaker "
            "endpoint has probably changed. It is not started again on its own, which would "
            f"run and bill it twice; to run it again, annotate the resource {RERUN_ANNOTATION}"
            "=true"
        )

    async def _check_owner(self, ctx: JobContext, describe: Mapping[str, Any]) -> None:
        meta = metadata(ctx.obj)
        recorded = old_operators_names(ctx.obj.get("status") or {}, self.job.status_name_field)
        await check_owner(
            ctx,
            describe[self.job.arn_key],
            ctx.sagemaker_name,
            f"SageMaker {self.job.kind.kind} named {ctx.sagemaker_name!r}",
            f"to run a new job, set spec.{self.job.name_field} to an unused name.",
            own_names={derived_name(meta["name"], meta["uid"], self.job.name_limit), *recorded},
        )

    # -- deletion --------------------------------------------------------------------------

    async def finalize(self, obj: KubeObject) -> Result | None:
        self._unwatch(ObjectKey.of(obj))  # polled while it stops, then gone
        if not retained(obj):
            pending = await self._stop_if_running(obj)
            if pending is not None:
                return pending
        if self.job.release_children is not None:
            await self.job.release_children(obj)
        return None

    async def _stop_if_running(self, obj: KubeObject) -> Result | None:
        """Stop a running job and wait out Stopping; None once the finalizer may go."""
        status: dict[str, Any] = obj.get("status") or {}
        try:
            spec = parse_spec(self.job.info.spec, obj)
        except ValidationError:
            return None  # never valid, so never created
        ctx = self._context(obj, spec, status)
        try:
            describe = await self._describe(ctx)
            primary = describe[self.job.describe_status_key]
            if primary == "InProgress":
                if status.get(self.job.status_field) not in RUNNING:
                    await self._check_owner(ctx, describe)
                await ctx.call(self.job.stop_operation, {self.job.name_param: ctx.sagemaker_name})
                await self.writer.event(obj, "Normal", "Stopping", f"stopping {ctx.sagemaker_name}")
                return Result.after(self.runtime.poll_delay())
            if primary == "Stopping":
                return Result.after(self.runtime.poll_delay())
        except NotOwned:
            return None  # not ours to stop: release the resource, leave the job alone
        except SageMakerError as error:
            if error.is_not_found:
                return None
            if error.code == "ValidationException":
                # Typically "job is in status Completed": it finished as we asked to stop.
                return Result.after(min(1.0, self.runtime.job_poll_interval))
            if error.terminal:
                await self.writer.event(obj, "Warning", "StopFailed", error.message)
                raise
            return self.retry(obj, error)
        return None
