"""The per-region request budget: requests spaced 1/rate apart once the burst is spent, the
first lane served ahead of the other, and the other never starved."""

from __future__ import annotations

import asyncio

import pytest

from sagemaker_client.budget import FIRST_LANE_RUN, RequestBudget


class FakeTime:
    """A clock that moves only when the budget sleeps, recording every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += delay
        await asyncio.sleep(0)


async def test_burst_then_one_request_per_interval() -> None:
    time = FakeTime()
    budget = RequestBudget(rate=10.0, burst=3, clock=time.clock, sleep=time.sleep)
    for _ in range(6):
        await budget.acquire("us-east-1")
    # Three from the burst, then one every 0.1 s.
    assert time.slept == pytest.approx([0.1, 0.1, 0.1])
    assert time.now == pytest.approx(1000.3)


async def test_regions_have_their_own_buckets_and_rates() -> None:
    time = FakeTime()
    budget = RequestBudget(
        rate=10.0, burst=1, per_region={"eu-west-1": 2.0}, clock=time.clock, sleep=time.sleep
    )
    await budget.acquire("us-east-1")
    await budget.acquire("eu-west-1")
    await budget.acquire("eu-west-1")  # eu-west-1's burst is its rate: 2
    assert time.slept == []
    await budget.acquire("eu-west-1")
    assert time.slept == pytest.approx([0.5])
    await budget.acquire("us-east-1")  # refilled while eu-west-1 waited
    assert time.slept == pytest.approx([0.5])


async def granted_order(budget: RequestBudget, requests: list[tuple[str, bool]]) -> list[str]:
    """Start every request at once (the burst already spent) and return the grant order."""
    order: list[str] = []

    async def one(name: str, first: bool) -> None:
        await budget.acquire("us-east-1", first=first)
        order.append(name)

    await budget.acquire("us-east-1")  # spend the burst of one
    tasks = [asyncio.create_task(one(name, first)) for name, first in requests]
    await asyncio.gather(*tasks)
    return order


async def test_the_first_lane_goes_ahead_of_the_other() -> None:
    time = FakeTime()
    budget = RequestBudget(rate=10.0, burst=1, clock=time.clock, sleep=time.sleep)
    requests = [(f"create-{i}", False) for i in range(5)] + [("describe", True), ("list", True)]
    order = await granted_order(budget, requests)
    # The describe and the list came last but are served first; each lane keeps its order.
    assert order == ["describe", "list", "create-0", "create-1", "create-2", "create-3", "create-4"]
    assert time.now == pytest.approx(1000.7)


async def test_a_busy_first_lane_does_not_starve_the_other() -> None:
    time = FakeTime()
    budget = RequestBudget(rate=10.0, burst=1, clock=time.clock, sleep=time.sleep)
    requests = [("create", False)] + [(f"describe-{i}", True) for i in range(20)]
    order = await granted_order(budget, requests)
    assert order.index("create") == FIRST_LANE_RUN


async def test_a_cancelled_waiter_costs_no_token() -> None:
    time = FakeTime()
    budget = RequestBudget(rate=10.0, burst=1, clock=time.clock, sleep=time.sleep)
    await budget.acquire("us-east-1")
    abandoned = asyncio.create_task(budget.acquire("us-east-1", first=True))
    await asyncio.sleep(0)
    abandoned.cancel()
    await budget.acquire("us-east-1")
    await budget.acquire("us-east-1")
    # Two requests after the burst: 0.2 s, not 0.3 s with the cancelled one's token.
    assert time.now == pytest.approx(1000.2)


def test_a_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RequestBudget(rate=0)
