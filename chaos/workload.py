"""What each scenario applies: TrainingJobs and HostingDeployments from the project's samples.

The creates are spread over a stretch of time, so that faults land amid them rather than
before or after a single burst; the harness keeps retrying a create the apiserver could not
take (it is down, or its answer was lost), as a user or a CI pipeline would.
"""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from operator_stack import ROOT, create_objects

from chaos.emulator import REGION

JOB_KIND, JOB_PLURAL = "TrainingJob", "trainingjobs"
HOSTING_KIND, HOSTING_PLURAL = "HostingDeployment", "hostingdeployments"
_TICK_SECONDS = 0.5
_CREATE_RETRY_SECONDS = 300.0


@cache
def _sample(kind: str) -> dict[str, Any]:
    body: dict[str, Any] = yaml.safe_load(
        (ROOT / "config" / "samples" / f"{kind.lower()}.yaml").read_text()
    )
    body["spec"]["region"] = REGION  # the emulator keeps each region apart; one is enough
    return body


def body(kind: str, name: str) -> dict[str, Any]:
    made = copy.deepcopy(_sample(kind))
    made["metadata"] = {"name": name}
    return made


@dataclass(frozen=True)
class Workload:
    jobs: tuple[str, ...]
    hostings: tuple[str, ...]

    @classmethod
    def sized(cls, jobs: int, hostings: int) -> Workload:
        return cls(
            tuple(f"job-{i:05d}" for i in range(jobs)),
            tuple(f"hd-{i:03d}" for i in range(hostings)),
        )

    @property
    def size(self) -> int:
        return len(self.jobs) + len(self.hostings)

    def in_order(self) -> list[tuple[str, str]]:
        """(plural, name) for every resource, the hostings spread among the jobs."""
        order = [(JOB_PLURAL, name) for name in self.jobs]
        step = max(1, len(order) // max(1, len(self.hostings)))
        for index, name in enumerate(self.hostings):
            order.insert(min(len(order), index * (step + 1)), (HOSTING_PLURAL, name))
        return order


async def apply_spread(objects: Any, namespace: str, workload: Workload, seconds: float) -> float:
    """Create every resource, evenly over ``seconds``; returns when the last create went
    through (time.monotonic())."""
    order = workload.in_order()
    ticks = max(1, int(seconds / _TICK_SECONDS))
    per_tick = -(-len(order) // ticks)
    started = time.monotonic()
    creating: list[asyncio.Task[None]] = []
    for tick in range(ticks):
        chunk = order[tick * per_tick : (tick + 1) * per_tick]
        if not chunk:
            break
        await asyncio.sleep(max(0.0, started + tick * _TICK_SECONDS - time.monotonic()))
        for plural, kind in ((JOB_PLURAL, JOB_KIND), (HOSTING_PLURAL, HOSTING_KIND)):
            bodies = [body(kind, name) for p, name in chunk if p == plural]
            if bodies:
                creating.append(
                    asyncio.create_task(
                        create_objects(
                            objects,
                            namespace,
                            plural,
                            bodies,
                            retry_seconds=_CREATE_RETRY_SECONDS,
                        )
                    )
                )
    await asyncio.gather(*creating)
    return time.monotonic()
