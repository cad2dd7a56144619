"""Injected faults as a client with retries off sees them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import training_job


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [
        ("throttle", "ThrottlingException", 400),
        ("http500", "InternalFailure", 500),
        ("http503", "ServiceUnavailable", 503),
        ("access_denied", "AccessDeniedException", 400),
        ("expired_token", "ExpiredTokenException", 400),
        ("unrecognized_client", "UnrecognizedClientException", 400),
        ("invalid_signature", "InvalidSignatureException", 400),
        ("clock_skew", "InvalidSignatureException", 400),
    ],
)
async def test_error_faults_reach_the_client(
    emulator: RunningEmulator, sagemaker: Any, kind: Any, code: str, status: int
) -> None:
    emulator.control.inject(kind, operation="ListTrainingJobs")
    with pytest.raises(ClientError) as caught:
        await sagemaker.list_training_jobs()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    # Other operations are untouched.
    await sagemaker.list_models()


async def test_dropped_connection_is_a_connection_error(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.inject("drop")
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        await sagemaker.list_training_jobs()
    emulator.control.clear_faults()
    assert (await sagemaker.list_training_jobs())["TrainingJobSummaries"] == []


async def test_dropped_response_loses_the_answer_but_not_the_effect(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.inject("drop_response", operation="CreateTrainingJob", times=1)
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        await sagemaker.create_training_job(**training_job("lost-answer"))
    described = await sagemaker.describe_training_job(TrainingJobName="lost-answer")
    assert described["TrainingJobStatus"] == "InProgress"
    with pytest.raises(ClientError) as again:
        await sagemaker.create_training_job(**training_job("lost-answer"))
    assert again.value.response["Error"]["Code"] == "ResourceInUse"


async def test_a_held_request_has_arrived_before_it_is_logged(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.inject("latency", operation="ListModels", latency=0.5)
    call = asyncio.create_task(sagemaker.list_models())
    async with asyncio.timeout(5):
        while emulator.control.requests.arrived["ListModels"] == 0:
            await asyncio.sleep(0.01)
    assert emulator.control.requests.count("ListModels") == 0
    await call
    assert emulator.control.requests.count("ListModels") == 1


async def test_added_latency_fixed_and_distributed(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.inject("latency", operation="ListModels", latency=0.2)
    started = time.monotonic()
    await sagemaker.list_models()
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    await sagemaker.list_endpoints()
    assert time.monotonic() - started < 0.2

    emulator.control.clear_faults()
    emulator.control.inject("latency", latency=0.05, latency_max=0.1)
    started = time.monotonic()
    await sagemaker.list_endpoints()
    assert time.monotonic() - started >= 0.05


async def test_rate_hits_about_that_share_and_is_counted(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.inject("throttle", rate=0.5)
    codes = []
    for _ in range(40):
        try:
            await sagemaker.list_models()
            codes.append("ok")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    assert set(codes) == {"ok", "ThrottlingException"}
    throttled = codes.count("ThrottlingException")
    assert 8 <= throttled <= 32
    assert emulator.control.requests.by_error["ThrottlingException"] == throttled
    assert emulator.control.requests.count("ListModels") == 40


async def test_a_retrying_client_rides_out_a_short_burst(emulator: RunningEmulator) -> None:
    emulator.control.inject("throttle", operation="CreateTrainingJob", times=2)
    async with emulator.client("sagemaker") as retrying:
        created = await retrying.create_training_job(**training_job())
    assert created["ResponseMetadata"]["RetryAttempts"] == 2
    assert emulator.control.requests.count("CreateTrainingJob") == 3
    assert emulator.control.status()["faults"] == []
