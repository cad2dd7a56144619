"""A controller: informers feed keys into a rate-limited queue; N workers reconcile them.

The informers (the reconciled kind and the kinds it owns) come from the manager's
``SharedInformers``, so a kind several controllers read is watched and cached once; an
owned kind's cache is indexed by controlling owner (``OWNER_INDEX``), so a reconciler finds
its children without a scan. The informers start on every replica so a standby has a warm
cache; workers start only when ``run_workers`` is called, which the
manager does once this replica leads. They wait for the caches to sync, at most the cache
sync timeout (then :class:`CacheSyncTimeout` names the kind and its last error), and every
cached key is enqueued, the way controller-runtime replays an informer's contents to a
newly started controller.

A worker that takes a key from the queue first

* takes a token from the retry budget if the key is a retry (it failed or asked for a
  backoff requeue): the overall retry rate stays bounded without booking future slots;
* asks the leadership guard, when there is one, whether this replica still leads; if not,
  the guard raises and the worker ends without touching the key, so a deposed leader does
  no work even before its renewal loop has noticed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

from controller.cache import EventType, ObjectEvent
from controller.failure_log import FailureLog
from controller.handlers import (
    OWNER_INDEX,
    KeyMapper,
    controller_owner_keys,
    controller_owner_uid,
    own_key,
)
from controller.informer import Informer, SharedInformers, WatchSettings
from controller.kube_client import KubeApi
from controller.metrics import (
    RESULT_ERROR,
    RESULT_REQUEUE,
    RESULT_REQUEUE_AFTER,
    RESULT_SUCCESS,
    Metrics,
)
from controller.rate_limiter import RateLimiter, TokenBucket, default_retry_budget
from controller.reconcile import ReconcileContext, Reconciler
from controller.resources import Kind, ObjectKey
from controller.workqueue import QueueShutDown, WorkQueue

ReconcilerFactory = Callable[[ReconcileContext], Reconciler]
LeadershipGuard = Callable[[], None]
"""Raises (``LeadershipLost``) when this replica may no longer reconcile; called at dequeue."""
DEFAULT_CACHE_SYNC_TIMEOUT_SECONDS = 120.0
# How long idle workers of a drained queue get to notice the shutdown and return.
_WORKER_EXIT_SECONDS = 1.0


class CacheSyncTimeout(Exception):
    """An informer did not sync in time (RBAC missing, a CRD not installed...)."""

    def __init__(self, kind: Kind, timeout_seconds: float, last_error: str | None) -> None:
        self.kind = kind
        self.timeout_seconds = timeout_seconds
        self.last_error = last_error or "none seen (the list has not answered)"
        super().__init__(
            f"the {kind} cache did not sync within {timeout_seconds:g}s; "
            f"last error: {self.last_error}"
        )


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
        api: KubeApi,
        *,
        metrics: Metrics,
        namespaces: Sequence[str] | None = None,
        watch_settings: WatchSettings | None = None,
        rate_limiter: RateLimiter | None = None,
        retry_budget: TokenBucket | None = None,
        cache_sync_timeout_seconds: float = DEFAULT_CACHE_SYNC_TIMEOUT_SECONDS,
        informers: SharedInformers | None = None,
    ) -> None:
        if registration.concurrency < 1:
            raise ValueError("a controller needs at least one worker")
        if cache_sync_timeout_seconds <= 0:
            raise ValueError("the cache sync timeout must be positive")
        self.name = registration.name
        self.concurrency = registration.concurrency
        self.cache_sync_timeout_seconds = cache_sync_timeout_seconds
        self.retry_budget = retry_budget or default_retry_budget()
        self._failures = FailureLog()
        self._guard: LeadershipGuard | None = None
        if informers is None:  # on its own (tests): informers of its own
            informers = SharedInformers(api, namespaces=namespaces, settings=watch_settings)
        self.informer = informers.informer(registration.kind)
        self.owned_informers = {kind: informers.informer(kind) for kind in registration.owned}
        for owned in self.owned_informers.values():
            owned.cache.add_index(OWNER_INDEX, controller_owner_uid)
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
                wake=self._wake,
                ensure_leading=self._ensure_leading,
            )
        )
        self._started = False
        self._workers: list[asyncio.Task[None]] = []
        self._log = structlog.get_logger("controller").bind(controller=self.name)
        self._watch(self.informer, own_key)
        for informer in self.owned_informers.values():
            self._watch(informer, controller_owner_keys(registration.kind))

    def _ensure_leading(self) -> None:
        if self._guard is not None:
            self._guard()

    def _wake(self, key: ObjectKey) -> None:
        if self._started:  # before the workers start, every cached key is enqueued anyway
            self.queue.add_due(key)

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

    async def run_workers(self, guard: LeadershipGuard | None = None) -> None:
        """Wait for the caches, enqueue every cached key, and reconcile until shut down.

        ``guard`` is called before every reconcile; what it raises ends the workers.
        """
        self._guard = guard
        await self._wait_for_caches()
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

    async def _wait_for_caches(self) -> None:
        # An informer that can never sync (403: RBAC missing in a namespace; 404: a CRD not
        # installed) retries forever; a leader waiting on it would hold the Lease and do
        # nothing. Give up after the timeout, naming the kind, so the process exits and a
        # restart or another replica takes over, and the admin can read why.
        timeout = self.cache_sync_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                for informer in self.informers:
                    await informer.wait_synced()
        except TimeoutError:
            unsynced = next((i for i in self.informers if not i.has_synced), self.informer)
            raise CacheSyncTimeout(unsynced.kind, timeout, unsynced.sync_error()) from None

    async def shut_down(self, drain_seconds: float) -> bool:
        """Let in-flight reconciles finish (at most ``drain_seconds``), then stop the workers."""
        drained = await self.queue.shut_down_with_drain(drain_seconds)
        running = set(self._workers)
        if drained and running:
            # Idle workers end by themselves on QueueShutDown; let them, rather than cancel
            # them mid-wait (a cancelled worker would end run_workers with CancelledError).
            _, running = await asyncio.wait(running, timeout=_WORKER_EXIT_SECONDS)
        if not drained:
            self._log.warning("drain_timed_out", in_flight=len(self.queue.processing))
        for worker in running:
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
                if self.queue.num_requeues(key) > 0:
                    await self.retry_budget.take()
                    if self.queue.shutting_down:
                        continue  # no new reconcile once shutdown began (the finally: done)
                if self._guard is not None:
                    # Right before the reconcile, after any wait: a replica whose lease may
                    # have passed to another must not start one.
                    self._guard()
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
            except Exception as error:
                self._failures.failed(log, key, error)
                metrics.errors.inc()
                metrics.count(RESULT_ERROR)
                self.queue.add_rate_limited(key)
                return
            finally:
                metrics.time.observe(time.monotonic() - started)
                self._active_workers.dec()
            self._failures.succeeded(log, key)
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
