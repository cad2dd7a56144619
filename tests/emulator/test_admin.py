"""The admin HTTP API, the raw protocol edges and the request log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import TRAINING_SECONDS, training_job

TIMEOUT = aiohttp.ClientTimeout(total=10)


@pytest_asyncio.fixture
async def http(emulator: RunningEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emulator.url, timeout=TIMEOUT) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, f"/_emulator{path}", json=body) as response:
        return response.status, await response.json()


async def test_clock_advance_drives_jobs(
    emulator: RunningEmulator, http: aiohttp.ClientSession, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job())
    status, body = await call(http, "POST", "/clock/advance", {"seconds": TRAINING_SECONDS})
    assert status == 200
    assert body["now"] == pytest.approx(emulator.control.now())
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert described["TrainingJobStatus"] == "Completed"


async def test_clock_and_timings_settings(http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "PUT", "/clock", {"time_scale": 60, "manual": False})
    assert (status, body["time_scale"], body["manual_clock"]) == (200, 60, False)
    status, timings = await call(http, "PUT", "/timings", {"endpoint_creating": 5})
    assert (status, timings["endpoint_creating"]) == (200, 5)
    status, error = await call(http, "PUT", "/timings", {"warp_drive": 1})
    assert status == 400
    assert "warp_drive" in error["error"]
    status, error = await call(http, "PUT", "/clock", {"time_scale": -1})
    assert status == 400


async def test_scripted_failures_over_http(
    emulator: RunningEmulator, http: aiohttp.ClientSession, sagemaker: Any
) -> None:
    status, rules = await call(
        http, "POST", "/failures", {"name": "train-1", "reason": "AlgorithmError: nope"}
    )
    assert status == 201
    assert rules[0]["pattern"] == "train-1"
    await sagemaker.create_training_job(**training_job())
    emulator.control.advance(TRAINING_SECONDS)
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert described["FailureReason"] == "AlgorithmError: nope"
    assert (await call(http, "DELETE", "/failures"))[0] == 200
    assert emulator.control.status()["failures"] == []
    assert (await call(http, "POST", "/failures", {"reason": "x"}))[0] == 400


async def test_faults_over_http(http: aiohttp.ClientSession, sagemaker: Any) -> None:
    status, body = await call(
        http, "POST", "/faults", {"kind": "throttle", "operation": "ListModels"}
    )
    assert status == 201
    with pytest.raises(ClientError) as caught:
        await sagemaker.list_models()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert (await call(http, "DELETE", f"/faults/{body['id']}"))[0] == 200
    await sagemaker.list_models()
    assert (await call(http, "DELETE", "/faults/999"))[0] == 404
    assert (await call(http, "POST", "/faults", {"kind": "meteor"}))[0] == 400


async def test_request_log_counts_and_reset(
    emulator: RunningEmulator, http: aiohttp.ClientSession, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job())
    for _ in range(3):
        await sagemaker.describe_training_job(TrainingJobName="train-1")
    with pytest.raises(ClientError):
        await sagemaker.describe_training_job(TrainingJobName="ghost")
    requests = emulator.control.requests
    assert requests.count("DescribeTrainingJob") == 4
    assert requests.count(resource="train-1") == 4
    assert requests.count("DescribeTrainingJob", "ghost") == 1
    status, body = await call(http, "GET", "/requests")
    assert status == 200
    assert body["by_operation"] == {"CreateTrainingJob": 1, "DescribeTrainingJob": 4}
    assert body["by_resource"]["train-1"] == 4
    assert body["by_error"] == {"ValidationException": 1}
    assert body["recent"][-1]["status"] == 400
    await call(http, "DELETE", "/requests")
    assert requests.total == 0


async def test_reset_forgets_everything(
    emulator: RunningEmulator, http: aiohttp.ClientSession, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job())
    emulator.control.inject("latency", latency=0.01)
    status, body = await call(http, "POST", "/reset")
    assert (status, body["faults"], body["pending_events"]) == (200, [], 0)
    assert (await sagemaker.list_training_jobs())["TrainingJobSummaries"] == []
    await sagemaker.create_training_job(**training_job())


async def raw(
    http: aiohttp.ClientSession, target: str, body: bytes, auth: str = ""
) -> tuple[int, Any]:
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    if auth:
        headers["Authorization"] = auth
    async with http.post("/", data=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def test_protocol_edges(http: aiohttp.ClientSession) -> None:
    status, body = await raw(http, "SageMaker.LaunchRocket", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, body = await raw(http, "SageMaker.ListModels", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")
    status, body = await raw(http, "SageMaker.ListModels", b'{"Bogus": 1}')
    assert (status, body["__type"]) == (400, "ValidationException")
    assert "at 'bogus'" in body["message"]


async def test_region_comes_from_the_credential_scope(http: aiohttp.ClientSession) -> None:
    auth = (
        "AWS4-HMAC-SHA256 Credential=testing/20261129/ap-south-1/sagemaker/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )
    request = training_job()
    request.pop("Tags")
    status, body = await raw(
        http, "SageMaker.CreateTrainingJob", json.dumps(request).encode(), auth
    )
    assert status == 200
    assert body["TrainingJobArn"].startswith("arn:aws:sagemaker:ap-south-1:")


async def test_logs_written_read_and_paged_over_http(
    emulator: RunningEmulator, http: aiohttp.ClientSession, logs: Any
) -> None:
    group, stream = "/aws/sagemaker/TransformJobs", "t-1/i-0abc"
    events = [{"timestamp": 5_000, "message": f"same millisecond {i}"} for i in range(3)]
    body = {"group": group, "stream": stream, "events": events, "region": "us-east-1"}
    assert await call(http, "POST", "/logs/events", body) == (201, {"written": 3})
    status, stored = await call(http, "GET", f"/logs/events?group={group}&prefix=t-1/")
    assert status == 200
    assert stored == [{"stream": stream, **event} for event in events]
    assert await call(http, "PUT", "/logs", {"page_limit": 2}) == (200, {"page_limit": 2})
    assert (await call(http, "GET", "/status"))[1]["log_page_limit"] == 2
    page = await logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert len(page["events"]) == 2
    assert (await call(http, "PUT", "/logs", {"page_limit": 0}))[0] == 400
    assert (await call(http, "POST", "/logs/events", {"group": group}))[0] == 400
