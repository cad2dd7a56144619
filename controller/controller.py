"""A controller: informers feed keys into a rate-limited queue; N workers reconcile them.

The informers (the reconciled kind and the kinds it owns) start on every replica so a
standby has a warm cache; workers start only when ``run_workers`` is called, which the
manager does once this replica leads. At that moment every cached key is enqueued, the way
controller-runtime replays an informer's contents to a newly started controller.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from kubernetes_asyncio.client import ApiClient

from controller.cache import EventType, ObjectEvent
from controller.handlers import KeyMapper, controller_owner_keys, own_key
from controller.informer import Informer, WatchSettings
from controller.metrics import (
    RESULT_ERROR,
    RESULT_REQUEUE,
    RESULT_REQUEUE_AFTER,
    RESULT_SUCCESS,
    Metrics,
)
from controller.rate_limiter import RateLimiter
from controller.reconcile import ReconcileContext, Reconciler
from controller.resources import Kind, ObjectKey
from controller.workqueue import QueueShutDown, WorkQueue

ReconcilerFactory = Callable[[ReconcileContext], Reconciler]


@dataclass(frozen=True)
class ControllerRegistration:
    """How a reconciler plugs in: the kind, what it owns, how to build it.

    ``close`` releases what the reconciler holds (HTTP clients, say) once the manager has
    stopped; registrations may share one, and it is called once.
    """

    name: str
    kind: Kind
    reconciler_factory: ReconcilerFactory
    owned: tuple[Kind, ...] = ()
    concurrency: int = 1
    close: Callable[[], Awaitable[None]] | None = None


class Controller:
    """One kind's informers, queue and workers."""

    def __init__(
        self,
        registration: ControllerRegistration,
        api: ApiClient,
        *,
        metrics: Metrics,
        namespaces: Sequence[str] | None = None,
        watch_settings: WatchSettings | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        if registration.concurrency < 1:
            raise ValueError("a controller needs at least one worker")
        self.name = registration.name
        self.concurrency = registration.concurrency
        self.informer = Informer(
            api, registration.kind, namespaces=namespaces, settings=watch_settings
        )
        self.owned_informers = {
            kind: Informer(api, kind, namespaces=namespaces, settings=watch_settings)
            for kind in registration.owned
        }
        self.queue: WorkQueue[ObjectKey] = WorkQueue(
            registration.name, rate_limiter=rate_limiter, metrics=metrics
        )
        self._metrics = metrics.for_controller(registration.name)
        self._metrics.max_concurrent.set(registration.concurrency)
        self._active_workers = self._metrics.active_workers
        self._active_workers.set(0)
        self.reconciler = registration.reconciler_factory(
            ReconcileContext(
                api=api,
                kind=registration.kind,
                cache=self.informer.cache,
                owned_caches={k: i.cache for k, i in self.owned_informers.items()},
            )
        )
        self._started = False
        self._workers: list[asyncio.Task[None]] = []
        self._log = structlog.get_logger("controller").bind(controller=self.name)
        self._watch(self.informer, own_key)
        for informer in self.owned_informers.values():
            self._watch(informer, controller_owner_keys(registration.kind))

    @property
    def informers(self) -> list[Informer]:
        return [self.informer, *self.owned_informers.values()]

    def _watch(self, informer: Informer, mapper: KeyMapper) -> None:
        def enqueue(event: ObjectEvent) -> None:
            if self._started:
                for key in mapper(event):
                    self.queue.add(key)

        informer.add_listener(enqueue)

    async def run_informers(self) -> None:
        """Keep the caches current until cancelled (runs on leaders and standbys alike)."""
        async with asyncio.TaskGroup() as group:
            for informer in self.informers:
                group.create_task(informer.run(), name=f"informer-{informer.kind}")

    async def run_workers(self) -> None:
        """Wait for the caches, enqueue every cached key, and reconcile until shut down."""
        for informer in self.informers:
            await informer.wait_synced()
        self._started = True
        for key in self.informer.cache:
            self.queue.add(key)
        owner_keys = controller_owner_keys(self.informer.kind)
        for informer in self.owned_informers.values():
            for event_key in informer.cache:
                obj = informer.cache.get(event_key)
                if obj is not None:
                    event = ObjectEvent(type=EventType.ADDED, key=event_key, obj=obj)
                    for key in owner_keys(event):
                        self.queue.add(key)
        self._log.info("workers_starting", workers=self.concurrency)
        self._workers = [
            asyncio.create_task(self._worker(), name=f"{self.name}-worker-{i}")
            for i in range(self.concurrency)
        ]
        try:
            await asyncio.gather(*self._workers)
        finally:
            for worker in self._workers:
                worker.cancel()

    async def shut_down(self, drain_seconds: float) -> bool:
        """Let in-flight reconciles finish (at most ``drain_seconds``), then stop the workers."""
        drained = await self.queue.shut_down_with_drain(drain_seconds)
        if not drained:
            self._log.warning("drain_timed_out", in_flight=len(self.queue.processing))
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        return drained

    async def _worker(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except QueueShutDown:
                return
            try:
                await self._reconcile(key)
            finally:
                self.queue.done(key)

    async def _reconcile(self, key: ObjectKey) -> None:
        metrics = self._metrics
        with structlog.contextvars.bound_contextvars(
            controller=self.name,
            namespace=key.namespace,
            name=key.name,
            reconcile_id=str(uuid.uuid4()),
        ):
            log = structlog.get_logger("controller.reconcile")
            self._active_workers.inc()
            started = time.monotonic()
            try:
                result = await self.reconciler.reconcile(key)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconcile_failed", retries=self.queue.num_requeues(key))
                metrics.errors.inc()
                metrics.count(RESULT_ERROR)
                self.queue.add_rate_limited(key)
                return
            finally:
                metrics.time.observe(time.monotonic() - started)
                self._active_workers.dec()
            if result.requeue_after is not None:
                self.queue.forget(key)
                self.queue.add_after(key, result.requeue_after)
                metrics.count(RESULT_REQUEUE_AFTER)
            elif result.requeue:
                self.queue.add_rate_limited(key)
                metrics.count(RESULT_REQUEUE)
            else:
                self.queue.forget(key)
                metrics.count(RESULT_SUCCESS)
            log.debug("reconciled", requeue=result.requeue, requeue_after=result.requeue_after)
