"""Every chaos scenario, short: few resources, few faults, a fast clock (``chaos.settings.SHORT``).

The full run is ``make chaos``; this keeps the scenarios honest in CI. Only correctness is
asserted (no duplicate, nothing lost or wrongly Failed, no orphan, no two active leaders,
the request budget kept); the timings are printed, never asserted.
"""

from __future__ import annotations

import pytest

from chaos.cluster import ChaosCluster
from chaos.report import details, row
from chaos.scenarios import SCENARIOS
from chaos.settings import SHORT

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_scenario_keeps_every_resource_correct(
    chaos_cluster: ChaosCluster, name: str
) -> None:
    outcome = await SCENARIOS[name](chaos_cluster, SHORT)
    print(row(outcome))
    print(details(outcome))
    assert outcome.correct, "\n".join([*outcome.problems(), details(outcome)])
