"""Whatever a client sends, the emulator answers as AWS would: never a crash.

Malformed and oddly valid requests are generated; each must come back as a
success or a 4xx service error, never an InternalFailure (which is also what a
response outside the service model turns into under check_responses).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import endpoint_config, model, training_job, tuning_job

OPERATIONS = {
    "CreateTrainingJob": training_job(),
    "CreateHyperParameterTuningJob": tuning_job(),
    "CreateModel": model(),
    "CreateEndpointConfig": endpoint_config(),
    "CreateEndpoint": {"EndpointName": "ep", "EndpointConfigName": "config-1"},
    "UpdateEndpoint": {"EndpointName": "ep", "EndpointConfigName": "config-1"},
    "ListTrainingJobs": {"MaxResults": 5, "SortBy": "Name"},
    "ListTrainingJobsForHyperParameterTuningJob": {"HyperParameterTuningJobName": "tune-1"},
    "AddTags": {"ResourceArn": "arn:aws:sagemaker:us-east-1:1:model/m", "Tags": []},
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def mutate(request: dict[str, Any], key: str | None, value: Any, drop: bool) -> dict[str, Any]:
    mutated: dict[str, Any] = json.loads(json.dumps(request))
    if key is None:
        return mutated
    if drop:
        mutated.pop(key, None)
    else:
        mutated[key] = value
    return mutated


@pytest_asyncio.fixture
async def http(emulator: RunningEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(base_url=emulator.url, timeout=timeout) as session:
        yield session


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(sorted(OPERATIONS)))
    base = OPERATIONS[operation]
    key = draw(st.one_of(st.none(), st.sampled_from(sorted(base)), st.text(max_size=8)))
    return operation, mutate(base, key, draw(values), draw(st.booleans()))


async def test_no_request_crashes_the_emulator(
    emulator: RunningEmulator, http: aiohttp.ClientSession
) -> None:
    statuses: list[int] = []

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(requests())
    def check(case: tuple[str, dict[str, Any]]) -> None:
        generated.append(case)

    generated: list[tuple[str, dict[str, Any]]] = []
    check()
    for operation, body in generated:
        headers = {"X-Amz-Target": f"SageMaker.{operation}"}
        async with http.post("/", data=json.dumps(body), headers=headers) as response:
            payload = await response.json(content_type=None)
            assert response.status < 500, (operation, body, payload)
            statuses.append(response.status)
    assert 200 in statuses
    assert 400 in statuses
    assert emulator.control.requests.by_error["InternalFailure"] == 0
