"""The scenarios, in the order ``make chaos`` runs them; one module each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chaos.cluster import ChaosCluster
from chaos.report import Outcome
from chaos.scenarios import (
    apiserver_restarts,
    kill_storm,
    leader_failover,
    sagemaker_faults,
    watch_faults,
)
from chaos.settings import Settings

Scenario = Callable[[ChaosCluster, Settings], Awaitable[Outcome]]

SCENARIOS: dict[str, Scenario] = {
    module.NAME: module.run
    for module in (kill_storm, apiserver_restarts, leader_failover, sagemaker_faults, watch_faults)
}
