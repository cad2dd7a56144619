"""Which running jobs SageMaker changed, from one ``List*`` call per scope instead of a
``Describe*`` per job.

Per (region, endpoint, list operation), a tick lists every job whose ``LastModifiedTime``
is after the previous tick's start (minus a margin for clock skew), 100 to a page.
SageMaker moves ``LastModifiedTime`` on every status and secondary-status change. When its
stamps show SageMaker's clock ahead of this one, the lists start that much later.

The feed pushes. A reconciler that has described a running job watches it
(:meth:`ChangeFeed.watch`), with what it saw (:class:`Seen`) and a ``wake`` callback (which
puts the key in its work queue's due lane). Each scope with a watched job has a ticker that
lists every ``interval`` seconds and wakes exactly the jobs that changed or that the lists
cannot vouch for; the others cost nothing, not even a reconcile. A woken job is no longer
watched: it is watched again when its reconcile has described it. A scope with no watched
job (none running) is not listed at all.

They vouch only for a job described after an unbroken chain of complete lists began: a list
that fails leaves the chain for the next one to continue from the same point, one that is
truncated (more than ``max_pages`` pages) or a gap between lists longer than ``max_gap``
starts a new chain. Correctness therefore never depends on the list: what it cannot vouch
for is woken and described, as it was before the list existed.

A reconcile that is not a wake-up (the safety-net requeue, a spec change) asks
:meth:`ChangeFeed.changed`: True (changed: describe it), False (the lists vouch that it has
not changed) or None (they cannot say: describe it). It lists the scope itself when the
last list is older than ``freshness`` (one list at a time per scope; others wait for it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from sagemaker_client.clients import SageMakerClients
from sagemaker_client.errors import SageMakerError

log = structlog.get_logger("reconcilers.changes")

PAGE_SIZE = 100  # SageMaker's largest page
# How far SageMaker's clock may be behind this one without a change being missed.
CLOCK_SKEW_MARGIN = 5.0
# Changes older than this are forgotten; a job described before then is described again.
_HORIZON_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class ListSpec:
    """A job kind's list operation: e.g. ListTrainingJobs, TrainingJobSummaries,
    TrainingJobName."""

    operation: str
    summaries_key: str
    name_key: str


@dataclass(frozen=True)
class Seen:
    """What a poll saw when it last described a job: when it asked (this machine's clock)
    and the job's ``LastModifiedTime`` (None when the describe does not carry it)."""

    asked_at: float
    last_modified: float | None


Scope = tuple[str, str | None, str]  # region, endpoint, list operation


@dataclass
class _Chain:
    """An unbroken run of complete lists in one scope."""

    covered_from: float | None = None  # every change stamped after this is in ``latest``
    next_after: float | None = None  # LastModifiedTimeAfter for the next list
    # How far SageMaker's clock is at least ahead of this one, as its stamps show.
    ahead: float = 0.0
    listed_at: float | None = None  # when it started, on the monotonic clock
    latest: dict[str, float] = field(default_factory=dict)  # name -> LastModifiedTime
    ticking: asyncio.Task[bool] | None = None
    watched: dict[Hashable, _Watch] = field(default_factory=dict)
    ticker: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class _Watch:
    """A running job the ticker looks out for, and how to wake its reconciler."""

    name: str
    seen: Seen
    wake: Callable[[], None]


def epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class ChangeFeed:
    """The change lists of every scope the operator's jobs live in, one per process."""

    def __init__(
        self,
        clients: SageMakerClients,
        freshness: float,
        *,
        interval: float | None = None,
        margin: float = CLOCK_SKEW_MARGIN,
        max_pages: int = 100,
        page_size: int = PAGE_SIZE,
        max_gap: float | None = None,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = clients
        self.freshness = freshness
        # How often a scope with watched jobs is listed by its ticker.
        self.interval = interval if interval is not None else freshness
        self.margin = margin
        self.max_pages = max_pages
        self.page_size = page_size
        # A list after a longer pause than this would be a long one; start over instead.
        self.max_gap = max_gap if max_gap is not None else max(300.0, 20 * freshness)
        self.lookback = max(60.0, 4 * freshness)
        self._wall = wall
        self._monotonic = monotonic
        self._chains: dict[Scope, _Chain] = {}
        self._scope_of: dict[Hashable, Scope] = {}  # watcher -> the scope it is watched in
        self._closed = False

    def now(self) -> float:
        """This machine's clock, as :class:`Seen` records it."""
        return self._wall()

    async def changed(
        self, spec: ListSpec, region: str, endpoint: str | None, name: str, seen: Seen
    ) -> bool | None:
        """Whether job ``name`` changed since ``seen``; None when the lists cannot say."""
        chain = self._chains.setdefault((region, endpoint, spec.operation), _Chain())
        listed_at = chain.listed_at
        stale = listed_at is None or self._monotonic() - listed_at > self.freshness
        if stale and not await self._tick(chain, spec, region, endpoint):
            return None
        return self._vouch(chain, name, seen)

    def _vouch(self, chain: _Chain, name: str, seen: Seen) -> bool | None:
        # A change after the describe is stamped after ``asked_at`` on SageMaker's clock (at
        # least ``ahead`` later than this one), less the margin: the chain must cover that.
        since = seen.asked_at + chain.ahead - self.margin
        if chain.covered_from is None or since < chain.covered_from:
            return None
        threshold = seen.last_modified if seen.last_modified is not None else since
        return chain.latest.get(name, float("-inf")) > threshold

    # -- push: watched jobs and their scope's ticker -------------------------------------

    def watch(
        self,
        spec: ListSpec,
        region: str,
        endpoint: str | None,
        who: Hashable,
        name: str,
        seen: Seen,
        wake: Callable[[], None],
    ) -> None:
        """Wake ``who`` (once) when the job ``name`` changes after ``seen``, or when the lists
        cannot vouch for it; until then its reconciler need not look at it."""
        self.unwatch(who)
        if self._closed:
            return
        scope = (region, endpoint, spec.operation)
        chain = self._chains.setdefault(scope, _Chain())
        chain.watched[who] = _Watch(name, seen, wake)
        self._scope_of[who] = scope
        if chain.ticker is None or chain.ticker.done():
            chain.ticker = asyncio.create_task(
                self._run_ticker(chain, spec, region, endpoint),
                name=f"change-ticker-{spec.operation}-{region}",
            )

    def unwatch(self, who: Hashable) -> None:
        scope = self._scope_of.pop(who, None)
        if scope is not None:
            self._chains[scope].watched.pop(who, None)

    def watching(self, who: Hashable) -> bool:
        return who in self._scope_of

    async def _run_ticker(
        self, chain: _Chain, spec: ListSpec, region: str, endpoint: str | None
    ) -> None:
        """List the scope every ``interval`` while a job in it is watched; wake the jobs
        that changed or that the list cannot vouch for."""
        while chain.watched and not self._closed:
            await asyncio.sleep(self.interval)
            if not chain.watched:
                break
            try:
                listed = await self._tick(chain, spec, region, endpoint)
            except Exception as error:  # an endpoint refused by policy, a closed client...
                log.warning("change_ticker_failed", operation=spec.operation, error=str(error))
                listed = False
            woken = [
                (who, watch)
                for who, watch in chain.watched.items()
                if not listed or self._vouch(chain, watch.name, watch.seen) is not False
            ]
            for who, watch in woken:
                self.unwatch(who)
                watch.wake()
            if woken:
                log.debug("change_ticker_woke", operation=spec.operation, jobs=len(woken))

    async def aclose(self) -> None:
        """Stop every ticker (the operator is stopping)."""
        self._closed = True
        tickers = [
            task
            for chain in self._chains.values()
            for task in (chain.ticker, chain.ticking)
            if task is not None
        ]
        for ticker in tickers:
            ticker.cancel()
        await asyncio.gather(*tickers, return_exceptions=True)

    async def _tick(self, chain: _Chain, spec: ListSpec, region: str, endpoint: str | None) -> bool:
        """List the scope's changes once, or wait for the list already under way."""
        if chain.ticking is None or chain.ticking.done():
            chain.ticking = asyncio.create_task(self._list(chain, spec, region, endpoint))
        # A cancelled poll must not cancel the list other polls wait for.
        return await asyncio.shield(chain.ticking)

    async def _list(self, chain: _Chain, spec: ListSpec, region: str, endpoint: str | None) -> bool:
        started_wall, started = self._wall(), self._monotonic()
        if chain.listed_at is None or started - chain.listed_at > self.max_gap:
            # No chain, or a gap too long to close: a new one starts, reaching back far
            # enough to vouch for the jobs described just before it (a restart's first
            # describes come before its first list).
            chain.covered_from = chain.next_after = started_wall - self.margin - self.lookback
            chain.latest.clear()
            chain.ahead = 0.0
        assert chain.next_after is not None
        params: dict[str, Any] = {
            "LastModifiedTimeAfter": chain.next_after,
            "SortBy": "CreationTime",
            "SortOrder": "Ascending",
            "MaxResults": self.page_size,
        }
        found: dict[str, float] = {}
        try:
            for _ in range(self.max_pages):
                page = await self._clients.call(
                    spec.operation, region, params, endpoint=endpoint, first=True
                )
                for summary in page.get(spec.summaries_key, []):
                    # A summary without the time cannot clear its job: always changed.
                    modified = summary.get("LastModifiedTime")
                    stamp = float("inf") if modified is None else epoch(modified)
                    found[str(summary[spec.name_key])] = stamp
                token = page.get("NextToken")
                if not token:
                    break
                params = {**params, "NextToken": token}
            else:
                # What is past the last page is unknown: start a chain from now, so every
                # job is described once more and vouched for again after that.
                log.warning("change_list_truncated", operation=spec.operation, region=region)
                chain.covered_from = chain.next_after = started_wall + chain.ahead - self.margin
                chain.listed_at = started
                chain.latest.clear()
                return False
        except SageMakerError as error:
            # The chain goes on from the same point at the next tick; until then, describe.
            log.info("change_list_failed", operation=spec.operation, code=error.code)
            return False
        self._record(chain, found, started_wall, started)
        return True

    def _record(
        self, chain: _Chain, found: Mapping[str, float], started_wall: float, started: float
    ) -> None:
        latest = chain.latest
        for name, modified in found.items():
            if modified > latest.get(name, float("-inf")):
                latest[name] = modified
        # A stamp later than this clock's now means SageMaker's clock is ahead by at least
        # that much: it was already that late there when this list started, so the next
        # list need not go back further (else every list would repeat those changes).
        stamps = [modified for modified in found.values() if modified != float("inf")]
        if stamps:
            chain.ahead = max(chain.ahead, max(stamps) - self._wall())
        chain.next_after = started_wall + chain.ahead - self.margin
        chain.listed_at = started
        horizon = started_wall - _HORIZON_SECONDS
        if chain.covered_from is not None and chain.covered_from < horizon:
            # Forget old changes: a job described before the horizon is described again.
            chain.covered_from = horizon
            for name in [n for n, modified in latest.items() if modified <= horizon]:
                del latest[name]
