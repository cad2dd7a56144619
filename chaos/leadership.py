"""Who held the Lease when, and whether a replica called SageMaker while another held it.

The watcher reads the Lease every 0.1 s and keeps each change of holder with the time it
was first seen, both as the process identity (``a-3``) and as the replica (``a``). A call
from replica X (its proxy's log) counts as made *while another replica led* only if it
reached the proxy after the watcher had already seen another holder: the real change
happened before that read, so polling can only miss overlap, never invent it. Two active
leaders is exactly the fault a frozen (SIGSTOP) leader can cause: it wakes up still
believing it leads.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from dataclasses import dataclass, field

from kubernetes_asyncio import client

from chaos.replica import Replica
from chaos.sagemaker_proxy import Call

_POLL_SECONDS = 0.1
_READ_SECONDS = 2.0
_EPISODE_GAP_SECONDS = 5.0  # calls further apart than this are separate overlap episodes


@dataclass
class LeaseWatcher:
    api: client.ApiClient
    namespace: str
    name: str
    seen: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, replica)
    identities: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, identity)

    async def run(self) -> None:
        leases = client.CoordinationV1Api(self.api)
        while True:
            try:
                lease = await leases.read_namespaced_lease(
                    self.name, self.namespace, _request_timeout=_READ_SECONDS
                )
                holder = str(lease.spec.holder_identity or "")
            except Exception:
                holder = None  # not created yet, or a slow read: the next poll tries again
            now = time.monotonic()
            if holder is not None and (not self.identities or self.identities[-1][1] != holder):
                self.identities.append((now, holder))
                replica = Replica.replica_of(holder) if holder else ""
                if not self.seen or self.seen[-1][1] != replica:
                    self.seen.append((now, replica))
            await asyncio.sleep(_POLL_SECONDS)

    def holder_at(self, moment: float) -> str:
        """The replica last seen holding the Lease at or before ``moment`` ("" if none)."""
        index = bisect.bisect_right([at for at, _ in self.seen], moment) - 1
        return self.seen[index][1] if index >= 0 else ""

    def next_holder_other_than(self, replica: str, after: float) -> float | None:
        """When the watcher first saw another replica hold the Lease after ``after``."""
        for at, holder in self.seen:
            if at > after and holder and holder != replica:
                return at
        return None


@dataclass
class Overlap:
    calls: int = 0  # SageMaker calls made by a replica while another held the Lease
    seconds: float = 0.0  # summed span of those calls, episode by episode
    operations: dict[str, int] = field(default_factory=dict)  # "replica Operation" -> calls


def overlap(watcher: LeaseWatcher, calls_by_replica: dict[str, list[Call]]) -> Overlap:
    found = Overlap()
    for replica, calls in calls_by_replica.items():
        foreign = [c for c in calls if watcher.holder_at(c.at) not in ("", replica)]
        for call in foreign:
            key = f"{replica} {call.operation}"
            found.operations[key] = found.operations.get(key, 0) + 1
        found.calls += len(foreign)
        start = previous = None
        for call in foreign:
            if previous is not None and call.at - previous > _EPISODE_GAP_SECONDS:
                found.seconds += previous - (start or previous)
                start = None
            start = call.at if start is None else start
            previous = call.at
        if previous is not None:
            found.seconds += previous - (start or previous)
    return found
