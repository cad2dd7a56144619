"""Calls through the shared clients against the emulator: reuse, errors, metrics, endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry

from controller.leader_election import LeadershipLost
from sagemaker_client.budget import RequestBudget
from sagemaker_client.clients import ENDPOINT_ENV, SageMakerClients, resolve_endpoint
from sagemaker_client.errors import SageMakerError
from sagemaker_client.metrics import SageMakerMetrics
from sagemaker_emulator.testing import RunningEmulator, running_emulator

pytestmark = pytest.mark.usefixtures("aws_credentials")


@pytest_asyncio.fixture(loop_scope="session")
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(manual_clock=True) as emu:
        yield emu


@pytest_asyncio.fixture(loop_scope="session")
async def clients(
    emulator: RunningEmulator,
) -> AsyncIterator[tuple[SageMakerClients, CollectorRegistry]]:
    registry = CollectorRegistry()
    made = SageMakerClients(
        RequestBudget(100.0), SageMakerMetrics(registry), default_endpoint=emulator.url
    )
    yield made, registry
    await made.aclose()


def sample_value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_a_not_found_job_is_a_not_found_read_error_never_terminal(
    clients: tuple[SageMakerClients, CollectorRegistry],
) -> None:
    sagemaker, registry = clients
    with pytest.raises(SageMakerError) as caught:
        await sagemaker.call("DescribeTrainingJob", "us-east-1", {"TrainingJobName": "nope"})
    assert not caught.value.terminal
    assert caught.value.is_not_found
    assert sample_value(
        registry, "sagemaker_api_requests_total",
        operation="DescribeTrainingJob", outcome="transient_error",
    ) == 1  # fmt: skip


async def test_throttling_is_one_transient_request_and_success_is_counted(
    clients: tuple[SageMakerClients, CollectorRegistry], emulator: RunningEmulator
) -> None:
    sagemaker, registry = clients
    emulator.control.inject("throttle", operation="ListTrainingJobs", times=1)
    with pytest.raises(SageMakerError) as caught:
        await sagemaker.call("ListTrainingJobs", "us-east-1", {})
    assert caught.value.transient
    # botocore's retries are off: the throttled call reached the emulator exactly once.
    assert emulator.control.requests.count(operation="ListTrainingJobs") == 1
    listed = await sagemaker.call("ListTrainingJobs", "us-east-1", {})
    assert listed == {"TrainingJobSummaries": []}
    for outcome, expected in (("transient_error", 1), ("success", 1)):
        assert sample_value(
            registry, "sagemaker_api_requests_total",
            operation="ListTrainingJobs", outcome=outcome,
        ) == expected  # fmt: skip
    assert (
        sample_value(
            registry, "sagemaker_api_request_duration_seconds_count", operation="ListTrainingJobs"
        )
        == 2
    )


async def test_one_client_per_service_region_and_endpoint(
    clients: tuple[SageMakerClients, CollectorRegistry], emulator: RunningEmulator
) -> None:
    sagemaker, _ = clients
    first = await sagemaker.client("sagemaker", "us-east-1", emulator.url)
    assert await sagemaker.client("sagemaker", "us-east-1", emulator.url) is first
    assert await sagemaker.client("sagemaker", "eu-west-1", emulator.url) is not first
    assert await sagemaker.client("logs", "us-east-1", emulator.url) is not first


def test_endpoint_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, "http://from-env")
    assert resolve_endpoint("http://resource", "http://flag") == "http://resource"
    assert resolve_endpoint(None, "http://flag") == "http://flag"
    assert resolve_endpoint(None, None) == "http://from-env"
    monkeypatch.delenv(ENDPOINT_ENV)
    assert resolve_endpoint(None, None) is None


async def test_the_least_recently_used_idle_client_is_closed(emulator: RunningEmulator) -> None:
    made = SageMakerClients(
        RequestBudget(100.0), SageMakerMetrics(CollectorRegistry()),
        default_endpoint=emulator.url, max_clients=2,
    )  # fmt: skip
    try:
        for region in ("us-east-1", "us-west-2", "us-east-1", "eu-west-1"):
            await made.call("ListTrainingJobs", region, {})
        assert list(made._clients) == [
            ("sagemaker", "us-east-1", emulator.url),
            ("sagemaker", "eu-west-1", emulator.url),
        ]
    finally:
        await made.aclose()
    assert not made._clients


async def test_a_replica_that_no_longer_leads_sends_nothing(
    clients: tuple[SageMakerClients, CollectorRegistry], emulator: RunningEmulator
) -> None:
    # The guard runs as the request goes on the wire: a reconcile that outlived its lease
    # (frozen, or queued for budget) must not reach SageMaker.
    sagemaker, _ = clients
    checks: list[bool] = []

    def deposed() -> None:
        checks.append(True)
        raise LeadershipLost("another replica holds the lease")

    before = emulator.control.requests.count(operation="ListTrainingJobs")
    sagemaker.guard = deposed
    try:
        with pytest.raises(LeadershipLost):
            await sagemaker.call("ListTrainingJobs", "us-east-1", {})
    finally:
        sagemaker.guard = None
    assert checks == [True]
    assert emulator.control.requests.count(operation="ListTrainingJobs") == before


async def test_leadership_lost_while_the_call_waits_for_budget_stops_it_at_the_wire(
    emulator: RunningEmulator,
) -> None:
    # Leading when the call starts, deposed while it waits for the request budget.
    sagemaker = SageMakerClients(
        RequestBudget(2.0, burst=1), SageMakerMetrics(CollectorRegistry()),
        default_endpoint=emulator.url,
    )  # fmt: skip
    lost = False

    def guard() -> None:
        if lost:
            raise LeadershipLost("lost while the request waited for budget")

    sagemaker.guard = guard
    try:
        await sagemaker.call("ListTrainingJobs", "us-east-1", {})  # spends the only token
        before = emulator.control.requests.count(operation="ListTrainingJobs")
        waiting = asyncio.create_task(sagemaker.call("ListTrainingJobs", "us-east-1", {}))
        await asyncio.sleep(0.1)  # the second call now waits ~0.5 s for its token
        assert not waiting.done()
        lost = True
        with pytest.raises(LeadershipLost):
            await waiting
    finally:
        await sagemaker.aclose()
    assert emulator.control.requests.count(operation="ListTrainingJobs") == before
