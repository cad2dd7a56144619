"""The manager: runs the controllers, the metrics and health servers, and leader election.

Life of a manager (``run`` returns the process exit code):

1. start /metrics and /healthz, /readyz, and every informer (standbys keep warm caches);
2. with leader election, wait to acquire the Lease; without it, lead at once;
3. start the controllers' workers and renew the Lease;
4. on stop (SIGTERM/SIGINT): stop handing out work, let in-flight reconciles finish within
   the graceful shutdown timeout, release the Lease, exit 0;
   on lost leadership (the renew deadline passed, another holder, or a worker's check at
   dequeue), also in the middle of a drain: cancel every reconcile at once and exit 1 so
   the pod restarts;
   on a cache that did not sync within the cache sync timeout: log the kind and its last
   error, release the Lease so another replica can try, exit 3.

``shutdown_budget_seconds`` is the longest a stop can take; the Deployment's termination
grace period (``apis/install.py``) must be longer, or the kubelet kills the process before
it has released the Lease.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import structlog

from controller.controller import CacheSyncTimeout, Controller, ControllerRegistration
from controller.health import STOP_SECONDS, BindAddress, HttpServer, health_app, metrics_app
from controller.informer import SharedInformers, WatchSettings
from controller.kube_client import KubeApi
from controller.leader_election import LeaderElectionConfig, LeaderElector, LeadershipLost
from controller.metrics import Metrics
from controller.options import ManagerOptions
from controller.rate_limiter import BackoffSettings, default_controller_rate_limiter
from controller.sync_metrics import NotSyncedResources

EXIT_OK = 0
EXIT_LEADERSHIP_LOST = 1
EXIT_CONTROLLER_FAILED = 2
EXIT_CACHE_SYNC_TIMEOUT = 3
CLOSE_TIMEOUT_SECONDS = 5.0  # the reconcilers' shared clients, closed after the Lease


def leader_election_config(options: ManagerOptions) -> LeaderElectionConfig:
    return LeaderElectionConfig(
        lease_name=options.leader_election_id,
        namespace=options.leader_election_namespace,
        identity=options.leader_election_identity,
        lease_duration_seconds=options.lease_duration_seconds,
        renew_deadline_seconds=options.renew_deadline_seconds,
        retry_period_seconds=options.retry_period_seconds,
    )


def shutdown_budget_seconds(options: ManagerOptions) -> float:
    """The longest a stop takes from SIGTERM to exit: drain, release, close (each bounded)."""
    release = (
        leader_election_config(options).release_timeout_seconds if options.leader_elect else 0.0
    )
    servers = STOP_SECONDS * 2  # metrics and health
    return options.graceful_shutdown_timeout_seconds + release + servers + CLOSE_TIMEOUT_SECONDS


class Manager:
    def __init__(
        self,
        options: ManagerOptions,
        api: KubeApi,
        registrations: Sequence[ControllerRegistration],
        *,
        metrics: Metrics | None = None,
        watch_settings: WatchSettings | None = None,
    ) -> None:
        self.options = options
        self.api = api
        self.metrics = metrics or Metrics()
        # Shared resources appear in several registrations; each is released once.
        self._closers = list(dict.fromkeys(r.close for r in registrations if r.close))
        watch_settings = watch_settings or WatchSettings(
            watch_timeout_seconds=options.watch_timeout_seconds
        )
        # One watch and one cache per kind, however many controllers read it.
        self.informers = SharedInformers(
            api, namespaces=options.namespaces, settings=watch_settings
        )
        self.controllers = [
            Controller(
                registration,
                api,
                metrics=self.metrics,
                namespaces=options.namespaces,
                watch_settings=watch_settings,
                rate_limiter=default_controller_rate_limiter(
                    BackoffSettings(cap_seconds=options.max_retry_backoff_seconds)
                ),
                cache_sync_timeout_seconds=options.cache_sync_timeout_seconds,
                informers=self.informers,
            )
            for registration in registrations
        ]
        # Every replica reports, from its warm cache; an alert takes the max over Pods.
        self.not_synced = NotSyncedResources()
        self.metrics.registry.register(self.not_synced)
        for kind in dict.fromkeys(r.kind for r in registrations):
            self.informers.informer(kind).add_listener(self.not_synced.listener_for(kind))
        self.elector: LeaderElector | None = None
        if options.leader_elect:
            self.elector = LeaderElector(api, leader_election_config(options), self.metrics)
        self.servers: dict[str, HttpServer] = {}
        metrics_address = BindAddress.parse(options.metrics_bind_address)
        if metrics_address is not None:
            self.servers["metrics"] = HttpServer(metrics_app(self.metrics), metrics_address)
        health_address = BindAddress.parse(options.health_probe_bind_address)
        if health_address is not None:
            self.servers["health"] = HttpServer(health_app(self.failing_checks), health_address)
        self._log = structlog.get_logger("controller.manager")

    def failing_checks(self) -> dict[str, str]:
        """Readiness: every informer has synced and every watch was heard from recently."""
        failing: dict[str, str] = {}
        for informer in self.informers.informers:
            name = f"informer:{informer.kind}"
            if not informer.has_synced:
                failing[name] = "not synced"
            elif not informer.heard_recently():
                failing[name] = "watch silent for longer than its read timeout"
        return failing

    async def run(self, stop: asyncio.Event) -> int:
        """Run until ``stop`` is set or leadership is lost; return the exit code."""
        for server in self.servers.values():
            await server.start()
        self._log.info(
            "manager_started",
            controllers=[c.name for c in self.controllers],
            namespaces=list(self.options.namespaces) or "all",
            ports={name: server.port for name, server in self.servers.items()},
            leader_election=self.elector is not None,
        )
        informers = [
            asyncio.create_task(informer.run(), name=f"informer-{informer.kind}")
            for informer in self.informers.informers
        ]
        try:
            return await self._lead_until_stopped(stop, set(informers))
        finally:
            for task in informers:
                task.cancel()
            await asyncio.gather(*informers, return_exceptions=True)
            for server in self.servers.values():
                await server.stop()
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                    for close in self._closers:
                        await close()
            except TimeoutError:
                self._log.warning("close_timed_out", seconds=CLOSE_TIMEOUT_SECONDS)
            self._log.info("manager_stopped")

    async def _lead_until_stopped(
        self, stop: asyncio.Event, informers: set[asyncio.Task[None]]
    ) -> int:
        # Informers only end by cancellation; one that returns or raises is a bug, and a
        # manager whose cache silently stopped must not go on, so it counts as a failure.
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        try:
            if self.elector is not None:
                acquiring = asyncio.create_task(self.elector.acquire(), name="leader-acquire")
                await asyncio.wait(
                    {acquiring, stopping, *informers}, return_when=asyncio.FIRST_COMPLETED
                )
                if not acquiring.done():
                    acquiring.cancel()
                    await asyncio.gather(acquiring, return_exceptions=True)
                    if stopping.done():
                        return EXIT_OK
                    self._log_failure(informers)
                    return EXIT_CONTROLLER_FAILED
                acquiring.result()
            guard = self.elector.ensure_leading if self.elector is not None else None
            workers = {
                asyncio.create_task(c.run_workers(guard), name=f"{c.name}-workers")
                for c in self.controllers
            }
            renewing = (
                asyncio.create_task(self.elector.keep_renewing(), name="leader-renew")
                if self.elector is not None
                else None
            )
            watched = {stopping, *workers, *informers} | ({renewing} if renewing else set())
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            if _leadership_lost(done, renewing):
                return await self._abandon(workers, renewing)
            if stopping not in done:
                code = self._log_failure(done)
                return await self._drain(workers, renewing, code)
            self._log.info("shutdown_requested")
            return await self._drain(workers, renewing, EXIT_OK)
        finally:
            stopping.cancel()

    def _log_failure(self, tasks: Iterable[asyncio.Task[Any]]) -> int:
        """Log why the tasks ended; the exit code for the first reason."""
        code = EXIT_CONTROLLER_FAILED
        for task in tasks:
            if not task.done():
                continue
            error = None if task.cancelled() else task.exception()
            if isinstance(error, CacheSyncTimeout):
                self._log.error(
                    "cache_sync_timed_out",
                    kind=str(error.kind),
                    timeout_seconds=error.timeout_seconds,
                    error=error.last_error,
                    message=str(error),
                )
                code = EXIT_CACHE_SYNC_TIMEOUT
            else:
                self._log.error("controller_failed", task=task.get_name(), error=repr(error))
        return code

    async def _abandon(
        self, workers: set[asyncio.Task[None]], renewing: asyncio.Task[None] | None
    ) -> int:
        """Leadership is gone: another replica may already reconcile, so stop at once."""
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if renewing is not None:
            if renewing.done():
                error = None if renewing.cancelled() else renewing.exception()
                if not isinstance(error, LeadershipLost):
                    self._log.error("leader_renewal_crashed", error=repr(error))
            else:
                renewing.cancel()
                await asyncio.gather(renewing, return_exceptions=True)
        self._log.error("leadership_lost_exiting")
        return EXIT_LEADERSHIP_LOST

    async def _drain(
        self, workers: set[asyncio.Task[None]], renewing: asyncio.Task[None] | None, code: int
    ) -> int:
        """Let in-flight work finish (bounded), then give up the Lease; return the exit code.

        The Lease is still renewed meanwhile. Should leadership be lost during the drain,
        the in-flight reconciles are cancelled at once, as at any other time.
        """
        timeout = self.options.graceful_shutdown_timeout_seconds
        draining = asyncio.ensure_future(
            asyncio.gather(*(c.shut_down(timeout) for c in self.controllers))
        )
        watched: set[asyncio.Future[Any]] = {draining, *workers}
        if renewing is not None:
            watched.add(renewing)
        while not draining.done():
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            if _leadership_lost(done, renewing):
                draining.cancel()
                await asyncio.gather(draining, return_exceptions=True)
                return await self._abandon(workers, renewing)
            watched -= done
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._log.info("workers_stopped", drained=all(draining.result()))
        if renewing is not None:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError, LeadershipLost):
                await renewing
        if self.elector is not None:
            await self.elector.release()
        return code


def _leadership_lost(
    done: Iterable[asyncio.Future[Any]], renewing: asyncio.Task[None] | None
) -> bool:
    """The renewal task ended (it only ends by losing), or a worker's guard said so."""
    for task in done:
        if task is renewing:
            return True
        if task.done() and not task.cancelled() and isinstance(task.exception(), LeadershipLost):
            return True
    return False
