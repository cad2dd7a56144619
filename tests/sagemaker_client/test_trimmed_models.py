"""The trimmed botocore models: every operation the operator calls is in them, they are
what ``trim_models`` makes from the installed botocore, and the operator's clients use them."""

from __future__ import annotations

import ast
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from botocore.loaders import Loader
from prometheus_client import CollectorRegistry

from reconcilers.sagemaker_nouns import ENDPOINT, ENDPOINT_CONFIG, MODEL
from sagemaker_client.budget import RequestBudget
from sagemaker_client.clients import SageMakerClients
from sagemaker_client.errors import SageMakerError
from sagemaker_client.metrics import SageMakerMetrics
from sagemaker_client.operations import AUTOSCALING, DATA_PATH, OPERATIONS, SAGEMAKER
from sagemaker_client.trim_models import endpoint_keys, trimmed, trimmed_endpoints
from sagemaker_emulator.testing import RunningEmulator, running_emulator

ROOT = Path(__file__).resolve().parents[2]
CALLING_PACKAGES = ("reconcilers", "sagemaker_client", "controller")


def full_model(service: str) -> dict[str, object]:
    loader = Loader()  # botocore's own data only
    version = loader.determine_latest_version(service, "service-2")
    model: dict[str, object] = loader.load_service_model(service, "service-2", version)
    return model


def string_constants() -> set[str]:
    """Every string literal in the operator's code (where operation names are written)."""
    found: set[str] = set()
    for package in CALLING_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "operations.py":
                continue  # the list under test
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def test_every_operation_the_code_names_is_in_the_trimmed_models() -> None:
    literals = string_constants()
    for service in (SAGEMAKER, AUTOSCALING):
        operations = full_model(service)["operations"]
        assert isinstance(operations, dict)
        named = {text for text in literals if text in operations}
        assert named, f"no {service} operation found in the code: the scan is broken"
        assert named <= set(OPERATIONS[service]), named - set(OPERATIONS[service])
    # The hosting kinds' operations are made from a noun (f"Describe{noun}").
    for noun in (MODEL, ENDPOINT_CONFIG, ENDPOINT):
        for operation in (f"Create{noun.name}", f"Describe{noun.name}", f"Delete{noun.name}"):
            assert operation in OPERATIONS[SAGEMAKER]
        assert f"List{noun.plural}" in OPERATIONS[SAGEMAKER]


def test_the_committed_models_are_what_trim_models_makes_now() -> None:
    for service, operations in OPERATIONS.items():
        full = full_model(service)
        version = str(full["metadata"]["apiVersion"])  # type: ignore[index]
        committed = json.loads((DATA_PATH / service / version / "service-2.json").read_text())
        assert committed == trimmed(full, operations)
        assert sorted(committed["operations"]) == sorted(operations)
        assert "documentation" not in json.dumps(committed)


def test_the_committed_endpoints_are_botocores_for_the_operators_services() -> None:
    loader = Loader()
    committed = json.loads((DATA_PATH / "endpoints.json").read_text())
    assert committed == trimmed_endpoints(loader.load_data("endpoints"), endpoint_keys(loader))
    services = {name for p in committed["partitions"] for name in p["services"]}
    assert services == {"api.sagemaker", AUTOSCALING}  # SageMaker is listed by its prefix


@pytest.mark.usefixtures("aws_credentials")
async def test_aws_endpoints_resolve_as_with_botocores_whole_data() -> None:
    """Without an endpoint URL, each region's client goes where botocore's own data sends it."""
    from aiobotocore.session import get_session

    trimmed_clients = SageMakerClients(RequestBudget(100.0), SageMakerMetrics(CollectorRegistry()))
    whole = get_session()
    try:
        for service in (SAGEMAKER, AUTOSCALING):
            for region in ("us-west-2", "eu-central-1", "cn-north-1", "us-gov-west-1"):
                ours = await trimmed_clients.client(service, region, None)
                async with whole.create_client(service, region_name=region) as theirs:
                    assert ours.meta.endpoint_url == theirs.meta.endpoint_url
                    assert len(theirs.meta.service_model.operation_names) > len(OPERATIONS[service])
    finally:
        await trimmed_clients.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(manual_clock=True) as emu:
        yield emu


@pytest.mark.usefixtures("aws_credentials")
async def test_the_operators_clients_load_the_trimmed_models(emulator: RunningEmulator) -> None:
    made = SageMakerClients(
        RequestBudget(100.0), SageMakerMetrics(CollectorRegistry()), default_endpoint=emulator.url
    )
    try:
        for service in (SAGEMAKER, AUTOSCALING):
            api = await made.client(service, "us-east-1", emulator.url)
            assert sorted(api.meta.service_model.operation_names) == sorted(OPERATIONS[service])
        with pytest.raises(SageMakerError) as raised:
            await made.call("DescribeTrainingJob", "us-east-1", {"TrainingJobName": "nope"})
        assert raised.value.is_not_found
        listed = await made.call("ListTrainingJobs", "us-east-1", {"MaxResults": 100})
        assert listed["TrainingJobSummaries"] == []
    finally:
        await made.aclose()
