"""Following's pace: how long it waits, and how it rides out an API server restart."""

from __future__ import annotations

import io
from typing import Any

import pytest

from smlogs.cli import Options
from smlogs.errors import Unavailable, UserError
from smlogs.kinds import TRAINING_JOB, JobKind
from smlogs.run import PollPolicy, Session


def test_waits_grow_while_quiet_and_throttled_and_shrink_on_news() -> None:
    policy = PollPolicy()
    waits, wait = [], policy.fastest
    for _ in range(6):
        wait = policy.next_wait(wait, printed=0, throttled=False)
        waits.append(wait)
    assert waits == [2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert policy.next_wait(5.0, printed=3, throttled=False) == policy.fastest
    throttled = [policy.next_wait(w, printed=3, throttled=True) for w in (1.0, 8.0, 20.0)]
    assert throttled == [2.0, 16.0, 30.0]


class FlakyResources:
    """The API server: away for ``failures`` reads, then back. Only the reads are faked;
    the retry around them is what is tested."""

    namespace = "ns"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.reads = 0

    async def get(self, kind: JobKind, name: str) -> dict[str, Any]:
        self.reads += 1
        if self.reads <= self.failures:
            raise Unavailable("cannot reach the Kubernetes API server at https://x: refused")
        return {"metadata": {"name": name}, "spec": {"region": "us-east-1"}, "status": {}}


def session(resources: FlakyResources, slept: list[float]) -> Session:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    options = Options(kind=TRAINING_JOB, name="job", follow=True)
    return Session(options, resources, io.StringIO(), PollPolicy(), sleep=sleep)  # type: ignore[arg-type]


async def test_an_api_server_restart_does_not_end_a_follow() -> None:
    slept: list[float] = []
    resources = FlakyResources(failures=3)
    view = await session(resources, slept).view_while_following()
    assert view.name == "job"
    assert resources.reads == 4
    assert len(slept) == 3
    # doubling from the fastest pace, with jitter of 10%
    for wait, base in zip(slept, (2.0, 4.0, 8.0), strict=True):
        assert base * 0.9 <= wait <= base * 1.1


async def test_an_api_server_gone_for_good_ends_it_with_the_reason() -> None:
    slept: list[float] = []
    resources = FlakyResources(failures=100)
    with pytest.raises(UserError, match="cannot reach the Kubernetes API server"):
        await session(resources, slept).view_while_following()
    assert resources.reads == PollPolicy().unavailable_rounds
    assert max(slept) <= PollPolicy().throttled * 1.1
