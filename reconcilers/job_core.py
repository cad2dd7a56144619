"""One reconcile loop for every SageMaker job kind; each kind is a thin ``JobKind``.

Level-based: read the cached object, read SageMaker, decide, act, write status. The
SageMaker name is derived deterministically and creation is "create, and on ResourceInUse
find": a crash between create and status write, or a create whose response was lost, finds
the first job on the next pass instead of starting a second one. A job is only ever taken
over when its ownership tag carries this resource's uid (or the resource asks to adopt).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from typing import Any

import structlog
from kubernetes_asyncio.client.exceptions import ApiException
from pydantic import ValidationError

from controller.cache import ObjectCache
from controller.reconcile import Result
from controller.resources import KubeObject, ObjectKey
from reconcilers.job_kind import RUNNING, SYNCHRONIZING, TERMINAL, JobContext, JobKind
from reconcilers.job_status import JobStatusWriter
from reconcilers.kube import KubeWriter, metadata
from reconcilers.naming import derived_name
from reconcilers.runtime import OperatorRuntime
from sagemaker_client.errors import SageMakerError

FINALIZER = "sagemaker-operator-finalizer"
OWNER_TAG = "sagemaker.k8s.aws/owner-uid"
ADOPT_ANNOTATION = "sagemaker.aws.amazon.com/adopt"
RETAIN_ANNOTATION = "sagemaker.aws.amazon.com/retain"
NOT_OWNED = "NotOwned"  # the Failed condition's reason when a job of our name is not ours

log = structlog.get_logger("reconcilers.job")


class NotOwned(Exception):
    """A SageMaker job of our name exists and belongs to someone else."""


class JobReconciler:
    """Reconciles one job kind; built once per controller."""

    def __init__(
        self, job: JobKind, cache: ObjectCache, writer: KubeWriter, runtime: OperatorRuntime
    ) -> None:
        self.job = job
        self.cache = cache
        self.writer = writer
        self.status = JobStatusWriter(job, writer)
        self.runtime = runtime
        # When the next SageMaker poll of a key is due, and for which generation. Our own
        # status writes come back as watch events; without this, each would cost a describe.
        self._poll_due: dict[ObjectKey, tuple[float, Any]] = {}

    async def reconcile(self, key: ObjectKey) -> Result:
        obj = self.cache.get(key)
        if obj is None:
            self._poll_due.pop(key, None)
            return Result.done()
        due = self._poll_due.get(key)
        if due is not None and not metadata(obj).get("deletionTimestamp"):
            wait = due[0] - time.monotonic()
            if wait > 0 and due[1] == metadata(obj).get("generation"):
                return Result.after(wait)
        result = await self._reconcile(key, obj)
        if result.requeue_after is not None and not metadata(obj).get("deletionTimestamp"):
            self._poll_due[key] = (
                time.monotonic() + result.requeue_after,
                metadata(obj).get("generation"),
            )
        else:
            self._poll_due.pop(key, None)
        return result

    async def _reconcile(self, key: ObjectKey, obj: KubeObject) -> Result:
        if metadata(obj).get("deletionTimestamp"):
            return await self._finalize(obj)
        mirror = self.job.is_mirror(obj)
        if not mirror and FINALIZER not in (metadata(obj).get("finalizers") or []):
            try:
                obj = await self.writer.set_finalizers(
                    obj, [*(metadata(obj).get("finalizers") or []), FINALIZER]
                )
            except ApiException as error:
                if error.status in (404, 409):
                    return Result.requeue_with_backoff()
                raise
        status: dict[str, Any] = obj.get("status") or {}
        if self._finished(obj, status):
            return Result.done()  # a finished job costs no SageMaker call, ever

        try:
            spec = self.job.info.spec.model_validate(obj.get("spec") or {})
        except ValidationError as error:
            return await self.status.fail(obj, status, None, "InvalidSpec", _first_error(error))
        ctx = JobContext(obj, spec, self._sagemaker_name(obj, spec, status), self.job, self.runtime)
        describe: dict[str, Any] | None
        try:
            if mirror:
                describe = await self._describe(ctx)
            else:
                describe = await self._find_or_create(ctx, status)
            # Children first: once the terminal status is written this job is never
            # looked at again, so a child missed now would be missed for good.
            if self.job.sync_children is not None and describe is not None:
                await self.job.sync_children(ctx, describe)
        except NotOwned as refusal:
            return await self.status.fail(obj, status, ctx.sagemaker_name, NOT_OWNED, str(refusal))
        except SageMakerError as error:
            if error.terminal and not (mirror and error.is_not_found):
                return await self.status.fail(
                    obj, status, ctx.sagemaker_name, error.code, error.message
                )
            await self.status.unsynced(obj, status, ctx.sagemaker_name, error)
            return Result.requeue_with_backoff()

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
        if primary in TERMINAL:
            return Result.done()
        return Result.after(self._poll_delay())

    # -- decisions -------------------------------------------------------------------------

    def _finished(self, obj: KubeObject, status: Mapping[str, Any]) -> bool:
        if _refused_then_adopted(obj, status):
            return False  # the refusal told the user to annotate; they did
        return (
            status.get(self.job.status_field) in TERMINAL
            and status.get("observedGeneration") == metadata(obj).get("generation")
            and bool(status.get(self.job.status_name_field))
        )

    def _sagemaker_name(self, obj: KubeObject, spec: Any, status: Mapping[str, Any]) -> str:
        recorded = status.get(self.job.status_name_field)
        if recorded:
            return str(recorded)
        chosen = (obj.get("spec") or {}).get(self.job.name_field)
        if chosen:
            return str(chosen)
        meta = metadata(obj)
        return derived_name(meta["name"], meta["uid"], self.job.name_limit)

    def _poll_delay(self) -> float:
        # Jitter keeps a thousand jobs created together from polling in lockstep.
        return self.runtime.job_poll_interval * random.uniform(0.8, 1.2)

    # -- SageMaker -------------------------------------------------------------------------

    async def _describe(self, ctx: JobContext) -> dict[str, Any]:
        return await ctx.call(
            self.job.describe_operation, {self.job.name_param: ctx.sagemaker_name}
        )

    async def _find_or_create(
        self, ctx: JobContext, status: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The job's Describe* answer, or None when this call has just created it."""
        # A real SageMaker status in our status means we created or verified this job.
        if status.get(self.job.status_field) not in (None, SYNCHRONIZING):
            try:
                return await self._describe(ctx)
            except SageMakerError as error:
                if not error.is_not_found:
                    raise
                # Gone from SageMaker (it never deletes jobs, but an account or endpoint
                # may have changed): create it again rather than mirror nothing forever.
        request = self.job.build_request(ctx.spec, ctx.sagemaker_name)
        uid = metadata(ctx.obj)["uid"]
        request["Tags"] = [t for t in request.get("Tags", []) if t.get("Key") != OWNER_TAG]
        request["Tags"].append({"Key": OWNER_TAG, "Value": uid})
        try:
            await ctx.call(self.job.create_operation, request)
        except SageMakerError as error:
            if not error.is_already_exists:
                raise
            describe = await self._describe(ctx)
            await self._check_owner(ctx, describe)
            return describe
        return None

    async def _check_owner(self, ctx: JobContext, describe: Mapping[str, Any]) -> None:
        uid = metadata(ctx.obj)["uid"]
        if await self._owner_uid(ctx, describe) == uid:
            return
        if _wants_adoption(ctx.obj):
            log.info("adopting_job", name=ctx.sagemaker_name, uid=uid)
            return
        raise NotOwned(
            f"a SageMaker {self.job.kind.kind} named {ctx.sagemaker_name!r} already exists and "
            f"was not created for this resource (its {OWNER_TAG} tag is not {uid}). To take it "
            f"over, annotate the resource {ADOPT_ANNOTATION}=true; to run a new job, set "
            f"spec.{self.job.name_field} to an unused name."
        )

    async def _owner_uid(self, ctx: JobContext, describe: Mapping[str, Any]) -> str | None:
        tags = await ctx.call("ListTags", {"ResourceArn": describe[self.job.arn_key]})
        for tag in tags.get("Tags", []):
            if tag.get("Key") == OWNER_TAG:
                return str(tag.get("Value"))
        return None

    # -- deletion --------------------------------------------------------------------------

    async def _finalize(self, obj: KubeObject) -> Result:
        finalizers = list(metadata(obj).get("finalizers") or [])
        if FINALIZER not in finalizers:
            return Result.done()
        annotations = metadata(obj).get("annotations") or {}
        if str(annotations.get(RETAIN_ANNOTATION, "")).lower() != "true":
            pending = await self._stop_if_running(obj)
            if pending is not None:
                return pending
        if self.job.release_children is not None:
            await self.job.release_children(obj)
        try:
            await self.writer.set_finalizers(obj, [f for f in finalizers if f != FINALIZER])
        except ApiException as error:
            if error.status == 404:
                return Result.done()
            if error.status == 409:
                return Result.requeue_with_backoff()
            raise
        return Result.done()

    async def _stop_if_running(self, obj: KubeObject) -> Result | None:
        """Stop a running job and wait out Stopping; None once the finalizer may go."""
        status: dict[str, Any] = obj.get("status") or {}
        try:
            spec = self.job.info.spec.model_validate(obj.get("spec") or {})
        except ValidationError:
            return None  # never valid, so never created
        ctx = JobContext(obj, spec, self._sagemaker_name(obj, spec, status), self.job, self.runtime)
        try:
            describe = await self._describe(ctx)
            primary = describe[self.job.describe_status_key]
            if primary == "InProgress":
                if status.get(self.job.status_field) not in RUNNING:
                    await self._check_owner(ctx, describe)
                await ctx.call(self.job.stop_operation, {self.job.name_param: ctx.sagemaker_name})
                await self.writer.event(obj, "Normal", "Stopping", f"stopping {ctx.sagemaker_name}")
                return Result.after(self._poll_delay())
            if primary == "Stopping":
                return Result.after(self._poll_delay())
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
            return Result.requeue_with_backoff()
        return None

    # -- status ----------------------------------------------------------------------------


def _wants_adoption(obj: KubeObject) -> bool:
    annotations = metadata(obj).get("annotations") or {}
    return str(annotations.get(ADOPT_ANNOTATION, "")).lower() == "true"


def _refused_then_adopted(obj: KubeObject, status: Mapping[str, Any]) -> bool:
    reasons = {c.get("type"): c.get("reason") for c in status.get("conditions") or []}
    return reasons.get("Failed") == NOT_OWNED and _wants_adoption(obj)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"spec.{where}: {first.get('msg')}; fix the field and apply again"
