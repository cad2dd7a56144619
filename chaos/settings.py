"""How big and how rough a chaos run is: the full run's defaults and the test suite's short one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    jobs: int = 500
    hostings: int = 20
    # Fault counts per scenario.
    kills: int = 20  # kill -9 storm: SIGKILL + restart of the operator
    apiserver_restarts: int = 3
    failovers: int = 4  # leader faults, alternately SIGKILL and SIGSTOP of the leader
    watch_faults: int = 6  # alternately freeze and reset every operator->apiserver connection
    token_burst_seconds: float = 60.0  # every SageMaker call answered ExpiredTokenException
    outage_seconds: float = 8.0  # an apiserver stays stopped 50-100% of this (then starts)
    # Timeline (real seconds): the creates are spread over apply_seconds so faults land amid
    # them; the faults fall within fault_seconds; a resource not settled bound seconds after
    # the last fault is counted as lost.
    apply_seconds: float = 30.0
    fault_seconds: float = 60.0
    bound: float = 180.0
    # The stack. At x10 a training job runs 23 s and an endpoint is Creating for 24 s, long
    # enough for faults to hit running jobs and creating endpoints.
    time_scale: float = 10.0
    poll_interval: float = 5.0  # the operator's --job-poll-interval
    # The operator's --watch-timeout: a frozen watch is abandoned after it plus 30 s.
    watch_timeout: int = 60
    concurrency: int = 16  # the operator's workers per kind
    budget: float = 100.0  # the operator's SageMaker requests per second
    # The sagemaker-faults scenario's budget: low enough to bind (the operator would send
    # more), so that "within the budget in every 10 s window" says something.
    faults_budget: float = 50.0
    # Leader election (seconds): lease duration, renew deadline, retry period.
    lease_duration: float = 6.0
    renew_deadline: float = 4.0
    retry_period: float = 1.0
    seed: int | None = None

    def but(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


FULL = Settings()

# The test suite's version: every scenario at small sizes, a few faults, a faster clock.
SHORT = Settings(
    jobs=20,
    hostings=2,
    kills=3,
    apiserver_restarts=1,
    failovers=2,
    watch_faults=2,
    token_burst_seconds=8.0,
    outage_seconds=1.0,
    apply_seconds=4.0,
    fault_seconds=12.0,
    bound=45.0,
    time_scale=40.0,
    poll_interval=1.0,
    watch_timeout=5,
    concurrency=8,
    budget=100.0,
    faults_budget=10.0,
    lease_duration=3.0,
    renew_deadline=2.0,
    retry_period=0.5,
    seed=11,
)
