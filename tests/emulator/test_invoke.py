"""SageMaker Runtime's InvokeEndpoint, through the real aiobotocore client."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from sagemaker_emulator import runtime as runtime_module
from sagemaker_emulator.context import Handler
from sagemaker_emulator.rest_json import RestJsonService
from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import endpoint_config, model

CSV_ROWS = b"5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n7.7,3.0,6.1,2.3\n"
JSON_BODY = json.dumps({"instances": [[5.1, 3.5], [6.2, 2.9]]}).encode()
CREATING = 240


async def deploy(
    emulator: RunningEmulator,
    sagemaker: Any,
    weights: dict[str, float] | None = None,
    name: str = "ep",
) -> None:
    config = endpoint_config()
    template = config["ProductionVariants"][0]
    config["ProductionVariants"] = [
        {**template, "VariantName": variant, "InitialVariantWeight": weight}
        for variant, weight in (weights or {"AllTraffic": 1.0}).items()
    ]
    await sagemaker.create_model(**model())
    await sagemaker.create_endpoint_config(**config)
    await sagemaker.create_endpoint(EndpointName=name, EndpointConfigName="config-1")
    emulator.control.advance(CREATING)


async def invoke(runtime: Any, body: bytes, **extra: Any) -> tuple[dict[str, Any], bytes]:
    response: dict[str, Any] = await runtime.invoke_endpoint(EndpointName="ep", Body=body, **extra)
    return response, await response["Body"].read()


async def error_of(runtime: Any, **request: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        await runtime.invoke_endpoint(**{"EndpointName": "ep", "Body": b"1,2", **request})
    response: dict[str, Any] = caught.value.response
    return response


def numbers(text: bytes) -> list[float]:
    lines = text.decode().split("\n")
    for line in lines:
        assert re.fullmatch(r"\d\.\d{11}", line), line
    return [float(line) for line in lines]


async def test_csv_gets_one_deterministic_number_per_line(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    response, body = await invoke(runtime, CSV_ROWS, ContentType="text/csv")
    assert response["ContentType"] == "text/csv"
    assert response["InvokedProductionVariant"] == "AllTraffic"
    scores = numbers(body)
    assert len(scores) == 3
    assert all(0 <= score < 10 for score in scores)
    assert len(set(scores)) == 3
    _, again = await invoke(runtime, CSV_ROWS, ContentType="text/csv; charset=utf-8")
    assert again == body
    # Each line is scored on its own: a subset of the rows keeps their answers.
    _, first = await invoke(runtime, CSV_ROWS.splitlines()[0], ContentType="text/csv")
    assert numbers(first) == scores[:1]


async def test_json_gets_a_prediction_per_instance(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    response, body = await invoke(
        runtime, JSON_BODY, ContentType="application/json", Accept="application/json"
    )
    assert response["ContentType"] == "application/json"
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == 2
    assert all(isinstance(p, float) and 0 <= p < 10 for p in predictions)
    _, again = await invoke(runtime, JSON_BODY, ContentType="application/json")
    assert again == body
    _, single = await invoke(runtime, b'{"x": 1, "y": 2}', ContentType="application/json")
    assert len(json.loads(single)["predictions"]) == 1


async def test_other_content_types_get_a_short_digest(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    response, body = await invoke(runtime, b"\x89PNG\r\n", ContentType="image/png")
    assert response["ContentType"] == "application/octet-stream"
    assert len(body) == 16
    assert (await invoke(runtime, b"\x89PNG\r\n", ContentType="image/png"))[1] == body
    assert (await invoke(runtime, b"\x89PNG\r\n!", ContentType="image/png"))[1] != body


async def test_custom_attributes_are_echoed(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    response, _ = await invoke(runtime, b"1,2", ContentType="text/csv", CustomAttributes="trace=1")
    assert response["CustomAttributes"] == "trace=1"
    response, _ = await invoke(runtime, b"1,2", ContentType="text/csv")
    assert "CustomAttributes" not in response


async def test_target_variant_answers_and_variants_differ(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker, {"blue": 1.0, "green": 0.0})
    answers = {}
    for variant in ("blue", "green"):
        response, body = await invoke(
            runtime, CSV_ROWS, ContentType="text/csv", TargetVariant=variant
        )
        assert response["InvokedProductionVariant"] == variant
        answers[variant] = numbers(body)
    assert answers["blue"] != answers["green"]
    # Untargeted traffic follows the weights: green has none.
    _, body = await invoke(runtime, CSV_ROWS, ContentType="text/csv")
    assert numbers(body) == answers["blue"]


async def test_unknown_target_variant_is_refused(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    response = await error_of(runtime, TargetVariant="purple")
    assert response["Error"]["Code"] == "ValidationError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "purple" in response["Error"]["Message"]
    assert "AllTraffic" in response["Error"]["Message"]


async def test_weights_split_traffic_reproducibly(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker, {"blue": 3.0, "green": 1.0})
    bodies = [f"{row},1.0".encode() for row in range(200)]

    async def routed() -> list[str]:
        return [
            (await invoke(runtime, body, ContentType="text/csv"))[0]["InvokedProductionVariant"]
            for body in bodies
        ]

    first = await routed()
    assert first == await routed()
    assert 110 <= first.count("blue") <= 190
    await sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "blue", "DesiredWeight": 0.0},
            {"VariantName": "green", "DesiredWeight": 1.0},
        ],
    )
    emulator.control.advance(30)
    assert set(await routed()) == {"green"}


async def test_missing_endpoint(runtime: Any) -> None:
    response = await error_of(runtime, EndpointName="ghost")
    assert response["Error"] == {
        "Code": "ValidationError",
        "Message": "Endpoint ghost of account 123456789012 not found.",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


async def test_endpoints_are_per_region(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    async with emulator.client("sagemaker-runtime", retries_off=True, region="eu-west-1") as other:
        response = await error_of(other)
    assert response["Error"]["Message"] == "Endpoint ep of account 123456789012 not found."


async def test_endpoint_still_creating_is_refused(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await sagemaker.create_model(**model())
    await sagemaker.create_endpoint_config(**endpoint_config())
    await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    emulator.control.advance(CREATING - 1)
    response = await error_of(runtime)
    assert response["Error"]["Code"] == "ValidationError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = response["Error"]["Message"]
    assert "Endpoint ep " in message
    assert "Creating" in message
    emulator.control.advance(1)
    await invoke(runtime, b"1,2", ContentType="text/csv")


async def test_unreadable_payload_is_a_model_error(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    response = await error_of(runtime, Body=b"{not json", ContentType="application/json")
    assert response["Error"]["Code"] == "ModelError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424


async def test_invalid_request_is_a_validation_error(emulator: RunningEmulator) -> None:
    async with emulator.client(
        "sagemaker-runtime", retries_off=True, client_validation=False
    ) as unchecked:
        with pytest.raises(ClientError) as caught:
            await unchecked.invoke_endpoint(EndpointName="ep", Body=b"", TargetVariant="a_b")
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert "at 'targetVariant'" in error["Message"]


async def test_invocations_are_in_the_request_log(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    emulator.control.reset_requests()
    for _ in range(3):
        await invoke(runtime, b"1,2", ContentType="text/csv")
    await error_of(runtime, EndpointName="ghost")
    requests = emulator.control.requests
    assert requests.count("InvokeEndpoint") == 4
    assert requests.count("InvokeEndpoint", "ep") == 3
    assert requests.by_error["ValidationError"] == 1
    assert requests.arrived["InvokeEndpoint"] == 4
    entry = requests.entries()[0]
    assert (entry.service, entry.operation, entry.resource, entry.status) == (
        "sagemaker-runtime",
        "InvokeEndpoint",
        "ep",
        200,
    )


async def test_injected_throttle_reaches_the_client(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    emulator.control.inject("throttle", operation="InvokeEndpoint", times=1)
    response = await error_of(runtime)
    assert response["Error"]["Code"] == "ThrottlingException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emulator.control.requests.by_error["ThrottlingException"] == 1
    await invoke(runtime, b"1,2", ContentType="text/csv")


async def test_faults_on_other_operations_leave_invocations_alone(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    emulator.control.inject("http503", operation="DescribeEndpoint")
    await invoke(runtime, b"1,2", ContentType="text/csv")


async def test_dropped_invocation_is_a_connection_error(
    emulator: RunningEmulator, sagemaker: Any, runtime: Any
) -> None:
    await deploy(emulator, sagemaker)
    emulator.control.inject("drop", operation="InvokeEndpoint", times=1)
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        await invoke(runtime, b"1,2", ContentType="text/csv")
    assert emulator.control.requests.by_error["ConnectionDropped"] == 1


def test_an_unmapped_rest_binding_is_refused_up_front(emulator: RunningEmulator) -> None:
    # InvokeEndpointAsync has integer headers, which the REST-JSON wire does not convert.
    handlers: dict[str, Handler] = {"InvokeEndpointAsync": runtime_module.invoke_endpoint}
    with pytest.raises(TypeError, match="RequestTTLSeconds"):
        RestJsonService(emulator.server.pipeline, runtime_module.SERVICE, handlers)
