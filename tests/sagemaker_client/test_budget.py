"""The per-region request budget spaces requests 1/rate apart once the burst is spent."""

from __future__ import annotations

import pytest

from sagemaker_client.budget import RequestBudget


class FrozenTime:
    """A clock that never moves, and a sleep that only records how long it was asked for."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def clock(self) -> float:
        return 1000.0

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)


async def test_burst_then_one_request_per_interval() -> None:
    time = FrozenTime()
    budget = RequestBudget(rate=10.0, burst=3, clock=time.clock, sleep=time.sleep)
    for _ in range(6):
        await budget.acquire("us-east-1")
    # Three from the burst, then reservations 0.1 s apart (the clock does not move).
    assert time.slept == pytest.approx([0.1, 0.2, 0.3])


async def test_regions_have_their_own_buckets_and_rates() -> None:
    time = FrozenTime()
    budget = RequestBudget(
        rate=10.0, burst=1, per_region={"eu-west-1": 2.0}, clock=time.clock, sleep=time.sleep
    )
    await budget.acquire("us-east-1")
    await budget.acquire("eu-west-1")
    await budget.acquire("eu-west-1")  # eu-west-1's burst is its rate: 2
    assert time.slept == []
    await budget.acquire("eu-west-1")
    await budget.acquire("us-east-1")
    assert time.slept == pytest.approx([0.5, 0.1])


def test_a_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RequestBudget(rate=0)
