"""What every SageMaker kind's reconcile shares, whatever its lifecycle.

Read the object from the cache; if it is being deleted, let the kind clean up and then drop
the finalizer; otherwise add the finalizer and let the kind sync. Between passes, a
generation-aware poll gate keeps the operator's own status writes (which come back as watch
events) from costing a SageMaker call each: a key is looked at again when its poll is due,
when its spec changes, or when it is being deleted.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from controller.cache import ObjectCache
from controller.kube_client import KubeError
from controller.reconcile import Result
from controller.resources import KubeObject, ObjectKey
from reconcilers.kube import KubeWriter, metadata
from reconcilers.runtime import OperatorRuntime
from sagemaker_client.errors import SageMakerError

FINALIZER = "sagemaker-operator-finalizer"


class ResourceReconciler(ABC):
    """Reconciles one kind; a lifecycle (jobs, services) supplies ``sync`` and ``finalize``."""

    def __init__(self, cache: ObjectCache, writer: KubeWriter, runtime: OperatorRuntime) -> None:
        self.cache = cache
        self.writer = writer
        self.runtime = runtime
        # When the next poll of a key is due, and for which generation.
        self._poll_due: dict[ObjectKey, tuple[float, Any]] = {}
        # Credential refusals in a row, per key: they set a long backoff of their own.
        self._credential_failures: dict[ObjectKey, int] = {}

    async def reconcile(self, key: ObjectKey) -> Result:
        obj = self.cache.get(key)
        if obj is None:
            self._poll_due.pop(key, None)
            self.forget(key)
            return Result.done()
        deleting = bool(metadata(obj).get("deletionTimestamp"))
        generation = metadata(obj).get("generation")
        due = self._poll_due.get(key)
        if due is not None and not deleting:
            wait = due[0] - time.monotonic()
            if wait > 0 and due[1] == generation:
                return Result.after(wait)
        refusals = self._credential_failures.get(key)
        result = await (self._finalize(obj) if deleting else self._sync(obj))
        if self._credential_failures.get(key) == refusals:
            self._credential_failures.pop(key, None)  # this pass was not refused
        if result.requeue_after is not None and not deleting:
            self._poll_due[key] = (time.monotonic() + result.requeue_after, generation)
        else:
            self._poll_due.pop(key, None)
        return result

    async def _sync(self, obj: KubeObject) -> Result:
        started_before = FINALIZER in _finalizers(obj)
        if self.wants_finalizer(obj) and not started_before:
            try:
                obj = await self.writer.set_finalizers(obj, [*_finalizers(obj), FINALIZER])
            except KubeError as error:
                if error.status in (404, 409):
                    return Result.requeue_with_backoff()
                raise
        return await self.sync(obj, started_before)

    async def _finalize(self, obj: KubeObject) -> Result:
        if FINALIZER not in _finalizers(obj):
            return Result.done()
        pending = await self.finalize(obj)
        if pending is not None:
            return pending
        try:
            await self.writer.set_finalizers(obj, [f for f in _finalizers(obj) if f != FINALIZER])
        except KubeError as error:
            if error.status == 404:
                return Result.done()
            if error.status == 409:
                return Result.requeue_with_backoff()
            raise
        return Result.done()

    def retry(self, obj: KubeObject, error: SageMakerError) -> Result:
        """When to try again after ``error``: the queue's backoff, or for the operator's own
        credentials a long one (see ``OperatorRuntime.credential_delay``)."""
        if not error.credentials:
            return Result.requeue_with_backoff()
        key = ObjectKey.of(obj)
        failures = self._credential_failures.get(key, 0)
        self._credential_failures[key] = failures + 1
        return Result.after(self.runtime.credential_delay(failures))

    def poll_now(self, key: ObjectKey) -> None:
        """Let the next reconcile of ``key`` through the poll gate, whenever it comes."""
        self._poll_due.pop(key, None)

    def forget(self, key: ObjectKey) -> None:
        """Drop what is remembered about ``key``, which is gone (a lifecycle adds its own)."""
        self._credential_failures.pop(key, None)

    def wants_finalizer(self, obj: KubeObject) -> bool:
        """Whether deleting ``obj`` must wait for this reconciler (most kinds: always)."""
        return True

    @abstractmethod
    async def sync(self, obj: KubeObject, started_before: bool) -> Result:
        """Bring SageMaker and the status in line with ``obj``, which carries the finalizer.

        ``started_before``: the finalizer was there already, so an operator (this one before
        a restart, or the old one) had taken the resource up and may have made its objects.
        """

    @abstractmethod
    async def finalize(self, obj: KubeObject) -> Result | None:
        """Clean SageMaker up for a deleted ``obj``; None once its finalizer may go."""


def _finalizers(obj: KubeObject) -> list[str]:
    return list(metadata(obj).get("finalizers") or [])


def parse_spec(model: type[BaseModel], obj: Mapping[str, Any]) -> Any:
    """The resource's spec as its pydantic model; raises ``ValidationError``."""
    return model.model_validate(obj.get("spec") or {})


def first_error(error: ValidationError) -> str:
    """The first problem pydantic found, naming the field and what to do."""
    first = error.errors()[0]
    where = ".".join(["spec", *(str(part) for part in first.get("loc", ()))])
    return f"{where}: {first.get('msg')}; fix the field and apply again"
