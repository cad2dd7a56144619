"""What a reconciler is and what it may answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from controller.cache import ObjectCache
from controller.kube_client import KubeApi
from controller.resources import Kind, ObjectKey


@dataclass(frozen=True)
class Result:
    """A reconcile's answer: done, requeue with backoff, or requeue after a fixed delay.

    An exception raised by ``reconcile`` counts as an error: it is logged as one line with its
    type and message (the traceback only at debug level, see ``failure_log``) and the key is
    requeued with backoff.
    """

    requeue: bool = False
    requeue_after: float | None = None

    @classmethod
    def done(cls) -> Result:
        return cls()

    @classmethod
    def requeue_with_backoff(cls) -> Result:
        return cls(requeue=True)

    @classmethod
    def after(cls, seconds: float) -> Result:
        if seconds <= 0:
            raise ValueError("requeue_after must be positive; use requeue_with_backoff()")
        return cls(requeue_after=seconds)


class Reconciler(Protocol):
    """Brings the world in line with one object; must be idempotent (level-triggered)."""

    async def reconcile(self, key: ObjectKey) -> Result: ...


@dataclass(frozen=True)
class ReconcileContext:
    """What a reconciler factory gets: the API client, the informer caches to read from,
    and ``wake``, which hands a key to its controller's workers ahead of new keys (for
    something the reconciler learns of outside the informers, such as a SageMaker change)."""

    api: KubeApi
    kind: Kind
    cache: ObjectCache
    owned_caches: Mapping[Kind, ObjectCache] = field(default_factory=dict)
    wake: Callable[[ObjectKey], None] | None = None
    # Raises LeadershipLost when this replica may no longer act; a reconciler calls it right
    # before a side effect outside Kubernetes, since a reconcile can outlive its lease (a
    # freeze, a long wait for the request budget) after the check at dequeue.
    ensure_leading: Callable[[], None] | None = None
