"""Models, endpoint configs and endpoints: create, update (good and bad), delete."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import endpoint_config, model

PREFIX = "arn:aws:sagemaker:us-east-1:123456789012"


async def endpoint_status(sagemaker: Any, name: str = "ep") -> str:
    described = await sagemaker.describe_endpoint(EndpointName=name)
    status: str = described["EndpointStatus"]
    return status


async def deploy(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_model(**model())
    await sagemaker.create_endpoint_config(**endpoint_config())
    await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    emulator.control.advance(240)


async def test_model_create_describe_list_delete(sagemaker: Any) -> None:
    created = await sagemaker.create_model(**model())
    assert created["ModelArn"] == f"{PREFIX}:model/model-1"
    described = await sagemaker.describe_model(ModelName="model-1")
    assert described["PrimaryContainer"]["Image"].endswith("xgboost:latest")
    assert described["ExecutionRoleArn"].endswith("role/SageMakerRole")
    listed = await sagemaker.list_models()
    assert [m["ModelName"] for m in listed["Models"]] == ["model-1"]
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_model(**model())
    assert caught.value.response["Error"]["Message"] == (
        f'Cannot create already existing model "{PREFIX}:model/model-1".'
    )
    await sagemaker.delete_model(ModelName="model-1")
    with pytest.raises(ClientError) as caught:
        await sagemaker.describe_model(ModelName="model-1")
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        f'Could not find model "{PREFIX}:model/model-1".',
    )


async def test_endpoint_config_create_describe_list_delete(sagemaker: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_endpoint_config(**endpoint_config())
    assert "Could not find model" in caught.value.response["Error"]["Message"]
    await sagemaker.create_model(**model())
    created = await sagemaker.create_endpoint_config(**endpoint_config())
    assert created["EndpointConfigArn"] == f"{PREFIX}:endpoint-config/config-1"
    described = await sagemaker.describe_endpoint_config(EndpointConfigName="config-1")
    assert described["ProductionVariants"][0]["VariantName"] == "AllTraffic"
    listed = await sagemaker.list_endpoint_configs()
    assert [c["EndpointConfigName"] for c in listed["EndpointConfigs"]] == ["config-1"]
    await sagemaker.delete_endpoint_config(EndpointConfigName="config-1")
    with pytest.raises(ClientError) as caught:
        await sagemaker.describe_endpoint_config(EndpointConfigName="config-1")
    assert caught.value.response["Error"]["Message"] == (
        f'Could not find endpoint configuration "{PREFIX}:endpoint-config/config-1".'
    )


async def test_models_and_configs_have_no_update_operation(sagemaker: Any) -> None:
    assert not hasattr(sagemaker, "update_model")
    assert not hasattr(sagemaker, "update_endpoint_config")


async def test_endpoint_creating_then_in_service(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_model(**model())
    await sagemaker.create_endpoint_config(**endpoint_config(count=2))
    created = await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    assert created["EndpointArn"] == f"{PREFIX}:endpoint/ep"
    assert await endpoint_status(sagemaker) == "Creating"
    emulator.control.advance(239)
    assert await endpoint_status(sagemaker) == "Creating"
    emulator.control.advance(1)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "InService"
    variant = described["ProductionVariants"][0]
    assert variant["CurrentInstanceCount"] == 2
    assert variant["DeployedImages"][0]["SpecifiedImage"].endswith("xgboost:latest")
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    assert caught.value.response["Error"]["Message"] == (
        f'Cannot create already existing endpoint "{PREFIX}:endpoint/ep".'
    )


async def test_endpoint_with_missing_config_is_refused(sagemaker: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="nope")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Could not find endpoint configuration" in caught.value.response["Error"]["Message"]


async def test_scripted_endpoint_failure(emulator: RunningEmulator, sagemaker: Any) -> None:
    emulator.control.fail("ep", reason="The primary container failed ping health check.")
    await deploy(emulator, sagemaker)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "Failed"
    assert described["FailureReason"] == "The primary container failed ping health check."


async def test_update_to_a_good_config(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.create_model(**model("model-2", image="repo/new:2"))
    await sagemaker.create_endpoint_config(**endpoint_config("config-2", "model-2", count=3))
    await sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="config-2")
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "Updating"
    assert described["EndpointConfigName"] == "config-1"
    assert described["PendingDeploymentSummary"]["EndpointConfigName"] == "config-2"
    with pytest.raises(ClientError) as caught:
        await sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="config-2")
    assert caught.value.response["Error"]["Message"] == (
        f'Cannot update in-progress endpoint "{PREFIX}:endpoint/ep".'
    )
    emulator.control.advance(180)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "InService"
    assert described["EndpointConfigName"] == "config-2"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 3
    assert "FailureReason" not in described


async def test_update_retains_variant_properties(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    # As autoscaling would: the variant runs 4 instances, not the configuration's 1.
    await sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}],
    )
    emulator.control.advance(30)
    await sagemaker.create_model(**model("model-2", image="repo/new:2"))
    await sagemaker.create_endpoint_config(**endpoint_config("config-2", "model-2", count=2))
    await sagemaker.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="config-2",
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredWeight"}],
    )
    emulator.control.advance(180)
    [variant] = (await sagemaker.describe_endpoint(EndpointName="ep"))["ProductionVariants"]
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (4, 4)
    assert variant["DeployedImages"][0]["SpecifiedImage"] == "repo/new:2"


async def test_update_to_a_bad_config_rolls_back(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.create_model(**model("model-2"))
    await sagemaker.create_endpoint_config(**endpoint_config("config-2", "model-2"))
    # The model disappears before the deployment, so the new config cannot work.
    await sagemaker.delete_model(ModelName="model-2")
    await sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="config-2")
    emulator.control.advance(180)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "InService"
    assert described["EndpointConfigName"] == "config-1"
    assert "model-2" in described["FailureReason"]


async def test_scripted_bad_config(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.create_endpoint_config(**endpoint_config("config-bad"))
    emulator.control.fail("config-bad", reason="Insufficient capacity", kind="endpoint-config")
    await sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="config-bad")
    emulator.control.advance(180)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert (described["EndpointConfigName"], described["FailureReason"]) == (
        "config-1",
        "Insufficient capacity",
    )


async def test_scripted_endpoint_failure_during_update_fails_it(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.create_endpoint_config(**endpoint_config("config-2"))
    emulator.control.fail("ep", reason="Kernel panic", kind="endpoint")
    await sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="config-2")
    emulator.control.advance(180)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["FailureReason"]) == ("Failed", "Kernel panic")
    with pytest.raises(ClientError) as caught:
        await sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    assert "status Failed" in caught.value.response["Error"]["Message"]
    await sagemaker.delete_endpoint(EndpointName="ep")
    emulator.control.advance(30)
    assert (await sagemaker.list_endpoints())["Endpoints"] == []


async def test_deleting_a_config_in_use_is_allowed(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.delete_endpoint_config(EndpointConfigName="config-1")
    await sagemaker.delete_model(ModelName="model-1")
    assert await endpoint_status(sagemaker) == "InService"


async def test_delete_goes_through_deleting_to_gone(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.delete_endpoint(EndpointName="ep")
    assert await endpoint_status(sagemaker) == "Deleting"
    emulator.control.advance(30)
    with pytest.raises(ClientError) as caught:
        await sagemaker.describe_endpoint(EndpointName="ep")
    assert caught.value.response["Error"]["Message"] == (
        f'Could not find endpoint "{PREFIX}:endpoint/ep".'
    )
    with pytest.raises(ClientError):
        await sagemaker.delete_endpoint(EndpointName="ep")
    assert (await sagemaker.list_endpoints())["Endpoints"] == []


async def test_update_weights_and_capacities(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}],
    )
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    variant = described["ProductionVariants"][0]
    assert described["EndpointStatus"] == "Updating"
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (1, 4)
    emulator.control.advance(30)
    described = await sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "InService"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    with pytest.raises(ClientError) as caught:
        await sagemaker.update_endpoint_weights_and_capacities(
            EndpointName="ep",
            DesiredWeightsAndCapacities=[{"VariantName": "Nope", "DesiredWeight": 1.0}],
        )
    assert "Nope" in caught.value.response["Error"]["Message"]


async def test_list_endpoints_by_status(emulator: RunningEmulator, sagemaker: Any) -> None:
    await deploy(emulator, sagemaker)
    await sagemaker.create_endpoint(EndpointName="ep-2", EndpointConfigName="config-1")
    creating = await sagemaker.list_endpoints(StatusEquals="Creating")
    assert [e["EndpointName"] for e in creating["Endpoints"]] == ["ep-2"]
    everything = await sagemaker.list_endpoints(SortBy="Name", SortOrder="Ascending")
    assert [e["EndpointName"] for e in everything["Endpoints"]] == ["ep", "ep-2"]
