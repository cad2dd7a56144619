"""The change feed's chain of lists, on fake clocks, with SageMaker's answers scripted (the
feed's own logic is what is tested; test_change_polling runs it against the emulator)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from reconcilers.change_feed import ChangeFeed, ListSpec, Seen
from sagemaker_client.clients import SageMakerClients
from sagemaker_client.errors import Failure, SageMakerError

SPEC = ListSpec("ListTrainingJobs", "TrainingJobSummaries", "TrainingJobName")
START = 1_000_000.0


class FakeSageMaker:
    """Answers List calls from a table of name -> LastModifiedTime, 2 to a page at most."""

    def __init__(self) -> None:
        self.modified: dict[str, float] = {}
        self.calls: list[dict[str, Any]] = []
        self.first: list[bool] = []  # whether each call asked for the budget's first lane
        self.failing = False

    async def call(
        self,
        operation: str,
        region: str,
        params: dict[str, Any],
        *,
        endpoint: str | None = None,
        first: bool = False,
    ) -> dict[str, Any]:
        self.calls.append(params)
        self.first.append(first)
        if self.failing:
            raise SageMakerError(operation, "InternalFailure", "boom", Failure.RETRY)
        after = params["LastModifiedTimeAfter"]
        names = sorted(n for n, t in self.modified.items() if t > after)
        offset = int(params.get("NextToken") or 0)
        size = min(2, params["MaxResults"])
        page = names[offset : offset + size]
        answer: dict[str, Any] = {
            "TrainingJobSummaries": [
                {"TrainingJobName": n, "LastModifiedTime": self.modified[n]} for n in page
            ]
        }
        if offset + size < len(names):
            answer["NextToken"] = str(offset + size)
        return answer


class Clocks:
    def __init__(self) -> None:
        self.now = START

    def wall(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def sagemaker() -> FakeSageMaker:
    return FakeSageMaker()


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def feed(sagemaker: FakeSageMaker, clocks: Clocks, **options: Any) -> ChangeFeed:
    return ChangeFeed(
        cast(SageMakerClients, sagemaker),
        freshness=2.5,
        wall=clocks.wall,
        monotonic=clocks.monotonic,
        **options,
    )


async def ask(changes: ChangeFeed, name: str, seen: Seen) -> bool | None:
    return await changes.changed(SPEC, "us-east-1", None, name, seen)


async def test_a_job_is_vouched_for_until_its_time_moves(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks)
    sagemaker.modified = {"a": START - 100, "b": START - 100}
    seen = Seen(asked_at=START, last_modified=START - 100)
    assert await ask(changes, "a", seen) is False
    clocks.now += 3
    sagemaker.modified["b"] = clocks.now - 1  # b moved; a did not
    assert await ask(changes, "a", seen) is False
    assert await ask(changes, "b", seen) is True
    # Two lists in all: one per freshness interval, shared by every job asking.
    assert len(sagemaker.calls) == 2
    # Each list goes back to the previous one's start, minus the skew margin.
    assert sagemaker.calls[1]["LastModifiedTimeAfter"] == START - 5.0
    # They bring changes to statuses: the budget serves them ahead of a burst's creates.
    assert sagemaker.first == [True, True]


async def test_a_job_described_before_the_chain_began_is_not_vouched_for(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks)
    long_ago = Seen(asked_at=START - 3600, last_modified=START - 4000)
    assert await ask(changes, "a", long_ago) is None
    # The first list reaches back a minute: a restart's first describes are covered.
    recent = Seen(asked_at=START - 30, last_modified=START - 4000)
    assert await ask(changes, "a", recent) is False


async def test_a_failed_list_vouches_for_nothing_and_the_next_one_closes_the_gap(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks)
    seen = Seen(asked_at=START, last_modified=START - 100)
    assert await ask(changes, "a", seen) is False
    clocks.now += 3
    sagemaker.failing = True
    assert await ask(changes, "a", seen) is None
    clocks.now += 3
    sagemaker.failing = False
    sagemaker.modified["a"] = START + 1  # changed while the list failed
    assert await ask(changes, "a", seen) is True
    assert sagemaker.calls[-1]["LastModifiedTimeAfter"] == START - 5.0


async def test_a_truncated_list_starts_the_chain_over(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks, max_pages=1)
    seen = Seen(asked_at=START, last_modified=START - 100)
    assert await ask(changes, "a", seen) is False
    clocks.now += 3
    sagemaker.modified = {name: clocks.now - 1 for name in "bcd"}  # three changes: 2 pages
    assert await ask(changes, "a", seen) is None
    # Described again after the new chain's start, it is vouched for once more.
    sagemaker.modified = {}
    clocks.now += 3
    again = Seen(asked_at=clocks.now, last_modified=START - 100)
    assert await ask(changes, "a", again) is False


async def test_a_long_gap_starts_the_chain_over(sagemaker: FakeSageMaker, clocks: Clocks) -> None:
    changes = feed(sagemaker, clocks)
    seen = Seen(asked_at=START, last_modified=START - 100)
    assert await ask(changes, "a", seen) is False
    clocks.now += 3600  # nobody asked for an hour
    assert await ask(changes, "a", seen) is None
    assert sagemaker.calls[-1]["LastModifiedTimeAfter"] == clocks.now - 5.0 - 60.0


async def test_a_describe_without_a_time_is_compared_with_when_it_was_asked(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks)
    sagemaker.modified = {"t": START - 2}  # changed just before the describe
    seen = Seen(asked_at=START + 10, last_modified=None)
    clocks.now = START + 10
    assert await ask(changes, "t", seen) is False
    clocks.now += 3
    sagemaker.modified["t"] = clocks.now - 1
    assert await ask(changes, "t", seen) is True


async def test_a_sagemaker_clock_ahead_of_this_one_does_not_repeat_old_changes(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks)
    ahead = 3600.0
    sagemaker.modified = {"a": START + ahead - 30, "b": START + ahead - 30}
    seen = Seen(asked_at=START, last_modified=START + ahead - 30)
    assert await ask(changes, "a", seen) is False
    clocks.now += 3
    assert await ask(changes, "a", seen) is False
    # The second list starts from SageMaker's time, not this clock's: the two changes of
    # half a minute before are not listed again (and again) for the next hour.
    assert sagemaker.calls[-1]["LastModifiedTimeAfter"] >= START + ahead - 30 - 5.0
    clocks.now += 3
    sagemaker.modified["b"] = START + ahead + 5
    assert await ask(changes, "b", seen) is True
    assert await ask(changes, "a", seen) is False


async def test_the_ticker_wakes_only_what_changed_or_what_it_cannot_vouch_for(
    sagemaker: FakeSageMaker, clocks: Clocks
) -> None:
    changes = feed(sagemaker, clocks, interval=0.01)
    woken: list[str] = []
    seen = Seen(asked_at=START, last_modified=START - 100)

    def watch(name: str) -> None:
        changes.watch(SPEC, "us-east-1", None, name, name, seen, lambda: woken.append(name))

    for name in ("a", "b", "c"):
        watch(name)
    await asyncio.sleep(0.1)  # several ticks: nothing changed, nobody woken
    assert woken == []
    assert len(sagemaker.calls) >= 3
    clocks.now += 3
    sagemaker.modified["b"] = clocks.now - 1
    await asyncio.sleep(0.05)
    assert woken == ["b"]  # once: a woken job is watched again only after its describe
    assert changes.watching("a")
    assert not changes.watching("b")

    sagemaker.failing = True  # a failed list vouches for nothing: every watched job wakes
    await asyncio.sleep(0.05)
    assert sorted(woken) == ["a", "b", "c"]
    # No job watched: the ticker stops listing.
    calls = len(sagemaker.calls)
    await asyncio.sleep(0.05)
    assert len(sagemaker.calls) == calls
    await changes.aclose()
