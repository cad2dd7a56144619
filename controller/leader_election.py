"""Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules.

* A candidate may take the lease when it is free (no holder) or when the holder has not
  renewed it for ``lease_duration`` as measured on *our* clock since we last saw the record
  change: comparing the remote renewTime with our clock would trust the other's clock.
* Every update is a PUT carrying the resourceVersion we read, so two candidates racing for
  the same lease cannot both win (the loser gets 409 Conflict).
* The leader renews every ``retry_period``. Leadership is lost at once when the lease shows
  another holder, or when ``renew_deadline`` has passed since the last successful renewal
  began. The deadline bounds the renewal attempts themselves (client-go runs them under a
  context with that deadline): a hung request cannot stretch leadership past it, and the
  deadline is below ``lease_duration``, after which a standby may take the lease.
* ``ensure_leading`` applies the same deadline on demand. Workers call it before they take
  an item, so a process that was frozen (SIGSTOP, a VM pause) past its lease and then
  resumed does no work, even before its renewal task has had a chance to run.
* On clean shutdown the leader releases the lease (empty holder) so a standby takes over at
  its next retry instead of waiting out the lease duration.

Times are RFC 3339 micro-times in UTC (``2006-01-02T15:04:05.000000Z``), as MicroTime wants.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog

from controller.kube_client import KubeApi
from controller.metrics import Metrics

LeaseObject = dict[str, Any]


def micro_time(moment: datetime | None = None) -> str:
    """RFC 3339 with exactly six fractional digits, in UTC."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LeaderElectionConfig:
    """Lease timing as in client-go; the defaults are controller-runtime's."""

    lease_name: str
    namespace: str
    identity: str
    lease_duration_seconds: float = 15.0
    renew_deadline_seconds: float = 10.0
    retry_period_seconds: float = 2.0

    def __post_init__(self) -> None:
        if not (
            self.lease_duration_seconds > self.renew_deadline_seconds > self.retry_period_seconds
        ):
            raise ValueError("need lease_duration > renew_deadline > retry_period")
        if self.retry_period_seconds <= 0:
            raise ValueError("retry_period must be positive")

    @property
    def request_timeout_seconds(self) -> float:
        # A hung request should leave time for another attempt before the renew deadline
        # (which bounds every attempt anyway, whatever this says).
        return max(0.5, min(self.retry_period_seconds, self.renew_deadline_seconds / 2))

    @property
    def release_timeout_seconds(self) -> float:
        # The release is a PUT: sending it and reading the answer are each bounded.
        return 2 * self.request_timeout_seconds


class LeadershipLost(Exception):
    """This replica no longer holds the lease; it must stop reconciling and exit."""


class LeaderElector:
    """Acquires, renews and releases one Lease for one identity."""

    def __init__(
        self, api: KubeApi, config: LeaderElectionConfig, metrics: Metrics | None = None
    ) -> None:
        self.api = api
        self.config = config
        self._metrics = metrics
        self._observed: LeaseObject | None = None
        self._observed_spec: dict[str, Any] = {}
        self._observed_at = 0.0
        self.is_leader = False
        # When the last successful acquire or renewal *began* (monotonic). The record changed
        # after that, so a standby's lease clock starts later than ours: measuring the renew
        # deadline from here keeps us on the safe side of it.
        self._renewed_at = 0.0
        self._lost: str | None = None
        self._log = structlog.get_logger("controller.leader_election").bind(
            lease=f"{config.namespace}/{config.lease_name}", identity=config.identity
        )
        self._set_leader(False)

    # -- public ---------------------------------------------------------------------------

    async def acquire(self) -> None:
        """Return once this replica holds the lease; retries every (jittered) retry period."""
        self._log.info("leader_election_waiting")
        while True:
            started = time.monotonic()
            if await self._attempt():
                self._renewed_at = started
                self._lost = None
                self._set_leader(True)
                self._log.info("leader_election_acquired")
                return
            # client-go jitters the retry by up to 1.2x so candidates do not move in step.
            await asyncio.sleep(self.config.retry_period_seconds * random.uniform(1.0, 1.2))

    def renewal_age(self) -> float:
        """Seconds since the last successful acquire or renewal began."""
        return time.monotonic() - self._renewed_at

    def ensure_leading(self) -> None:
        """Raise :class:`LeadershipLost` unless we lead and renewed within the renew deadline.

        The check needs no I/O and no help from the renewal task, so it also holds in a
        process that has just resumed from a freeze longer than the lease.
        """
        if self._lost is not None:
            raise LeadershipLost(self._lost)
        if not self.is_leader:
            raise LeadershipLost("this replica does not hold the lease")
        age = self.renewal_age()
        if age > self.config.renew_deadline_seconds:
            raise self._lose(
                f"no renewal for {age:.1f}s (renew deadline {self.config.renew_deadline_seconds}s)"
            )

    async def keep_renewing(self) -> None:
        """Renew until leadership is lost; then raise :class:`LeadershipLost`.

        Every attempt runs under the renew deadline, so leadership ends when the deadline
        passes, not when a hung attempt eventually returns.
        """
        config = self.config
        while True:
            self.ensure_leading()
            remaining = config.renew_deadline_seconds - self.renewal_age()
            try:
                async with asyncio.timeout(max(0.0, remaining)):
                    await self._renew_once()
            except TimeoutError:
                raise self._lose(
                    f"no renewal within the renew deadline of {config.renew_deadline_seconds}s"
                ) from None

    async def _renew_once(self) -> None:
        """Try every retry period until one renewal succeeds (the caller bounds the time).

        Attempts are spaced from their starts, not their ends: a slow attempt does not push
        the next one towards the deadline.
        """
        config = self.config
        next_attempt = self._renewed_at + config.retry_period_seconds
        while True:
            await asyncio.sleep(max(0.0, next_attempt - time.monotonic()))
            started = time.monotonic()
            next_attempt = started + config.retry_period_seconds
            if await self._attempt():
                self._renewed_at = started
                return
            holder = self._observed_spec.get("holderIdentity")
            if holder and holder != config.identity:
                raise self._lose(f"the lease is held by {holder}")

    def _lose(self, reason: str) -> LeadershipLost:
        if self._lost is None:
            self._lost = reason
            self._set_leader(False)
            self._log.error("leader_election_lost", reason=reason)
        return LeadershipLost(self._lost)

    async def release(self) -> bool:
        """Give the lease up if we hold it, so a standby takes over at once."""
        if not self.is_leader or self._observed is None:
            return False
        self._set_leader(False)
        lease = self._observed
        now = micro_time()
        spec = dict(lease.get("spec") or {})
        spec.update(holderIdentity="", leaseDurationSeconds=1, renewTime=now, acquireTime=now)
        try:
            status, _ = await self._request("PUT", self._path(), {**lease, "spec": spec})
        except (aiohttp.ClientError, TimeoutError) as error:
            self._log.warning("leader_election_release_failed", error=repr(error))
            return False
        released = status == 200
        self._log.info("leader_election_released", released=released, status=status)
        return released

    # -- one attempt ----------------------------------------------------------------------

    async def _attempt(self) -> bool:
        try:
            return await self._try_acquire_or_renew()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            self._log.warning("leader_election_attempt_failed", error=repr(error))
            return False

    async def _try_acquire_or_renew(self) -> bool:
        config = self.config
        now = micro_time()
        status, lease = await self._request("GET", self._path())
        if status == 404:
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": config.lease_name, "namespace": config.namespace},
                "spec": self._spec_for_us(now, transitions=0, acquire_time=now),
            }
            status, created = await self._request("POST", self._collection_path(), body)
            if status != 201:
                return False
            self._observe(created)
            return True
        if status != 200:
            self._log.warning("leader_election_get_failed", status=status)
            return False
        self._observe(lease)
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        we_hold_it = holder == config.identity
        duration = float(spec.get("leaseDurationSeconds") or config.lease_duration_seconds)
        expired = time.monotonic() >= self._observed_at + duration
        if holder and not we_hold_it and not expired:
            return False
        transitions = int(spec.get("leaseTransitions") or 0)
        if we_hold_it:
            acquire_time = spec.get("acquireTime") or now
        else:
            transitions += 1
            acquire_time = now
        updated = {**lease, "spec": self._spec_for_us(now, transitions, acquire_time)}
        status, stored = await self._request("PUT", self._path(), updated)
        if status != 200:
            return False  # 409: someone else updated it first
        self._observe(stored)
        return True

    def _spec_for_us(self, now: str, transitions: int, acquire_time: str) -> dict[str, Any]:
        return {
            "holderIdentity": self.config.identity,
            "leaseDurationSeconds": max(1, round(self.config.lease_duration_seconds)),
            "acquireTime": acquire_time,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    def _observe(self, lease: LeaseObject) -> None:
        spec = lease.get("spec") or {}
        # The clock starts when the record *changes*, not each time we read it.
        if spec != self._observed_spec:
            self._observed_spec = dict(spec)
            self._observed_at = time.monotonic()
        self._observed = lease

    # -- HTTP -----------------------------------------------------------------------------

    def _collection_path(self) -> str:
        return f"/apis/coordination.k8s.io/v1/namespaces/{self.config.namespace}/leases"

    def _path(self) -> str:
        return f"{self._collection_path()}/{self.config.lease_name}"

    async def _request(
        self, method: str, path: str, body: LeaseObject | None = None
    ) -> tuple[int, LeaseObject]:
        timeout = aiohttp.ClientTimeout(total=self.config.request_timeout_seconds)
        # asyncio.timeout, not wait_for, which can swallow a cancellation on Python 3.11.
        async with asyncio.timeout(self.config.request_timeout_seconds):
            response = await self.api.call_api(
                path,
                method,
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
        async with response, asyncio.timeout(self.config.request_timeout_seconds):
            raw = await response.read()
        parsed = json.loads(raw) if raw else {}
        return response.status, parsed if isinstance(parsed, dict) else {}

    def _set_leader(self, leading: bool) -> None:
        self.is_leader = leading
        if self._metrics is not None:
            self._metrics.set_leader(self.config.lease_name, leading)
