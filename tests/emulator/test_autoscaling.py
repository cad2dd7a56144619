"""Application Auto Scaling for endpoint variants."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import endpoint_config, model

RESOURCE = "endpoint/ep/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
TARGET = {"ServiceNamespace": "sagemaker", "ResourceId": RESOURCE, "ScalableDimension": DIMENSION}
POLICY = {
    "PolicyName": "invocations",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
        },
    },
    **TARGET,
}


async def deploy(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_model(**model())
    await sagemaker.create_endpoint_config(**endpoint_config())
    await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    emulator.control.advance(240)


async def test_target_and_policy_round_trip(
    emulator: RunningEmulator, sagemaker: Any, autoscaling: Any
) -> None:
    await deploy(emulator, sagemaker)
    registered = await autoscaling.register_scalable_target(MinCapacity=1, MaxCapacity=4, **TARGET)
    assert registered["ScalableTargetARN"].startswith("arn:aws:application-autoscaling:")
    targets = await autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    assert [(t["ResourceId"], t["MaxCapacity"]) for t in targets["ScalableTargets"]] == [
        (RESOURCE, 4)
    ]
    await autoscaling.register_scalable_target(MaxCapacity=8, **TARGET)
    targets = await autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[RESOURCE]
    )
    assert targets["ScalableTargets"][0]["MaxCapacity"] == 8

    put = await autoscaling.put_scaling_policy(**POLICY)
    assert ":policyName/invocations" in put["PolicyARN"]
    assert len(put["Alarms"]) == 2
    policies = await autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")
    assert [p["PolicyName"] for p in policies["ScalingPolicies"]] == ["invocations"]
    assert policies["ScalingPolicies"][0]["TargetTrackingScalingPolicyConfiguration"][
        "TargetValue"
    ] == pytest.approx(70.0)

    await autoscaling.delete_scaling_policy(PolicyName="invocations", **TARGET)
    assert (await autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker"))[
        "ScalingPolicies"
    ] == []
    await autoscaling.deregister_scalable_target(**TARGET)
    assert (await autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker"))[
        "ScalableTargets"
    ] == []


async def test_autoscaling_errors(
    emulator: RunningEmulator, sagemaker: Any, autoscaling: Any
) -> None:
    with pytest.raises(ClientError) as caught:
        await autoscaling.register_scalable_target(MinCapacity=1, MaxCapacity=2, **TARGET)
    assert caught.value.response["Error"]["Code"] == "ValidationException"

    with pytest.raises(ClientError) as caught:
        await autoscaling.put_scaling_policy(**POLICY)
    error = caught.value.response["Error"]
    assert error["Code"] == "ObjectNotFoundException"
    assert error["Message"] == (
        f"No scalable target registered for service namespace: sagemaker, resource ID: "
        f"{RESOURCE}, scalable dimension: {DIMENSION}"
    )
    with pytest.raises(ClientError) as caught:
        await autoscaling.deregister_scalable_target(**TARGET)
    assert caught.value.response["Error"]["Code"] == "ObjectNotFoundException"

    await deploy(emulator, sagemaker)
    with pytest.raises(ClientError) as caught:
        await autoscaling.register_scalable_target(MinCapacity=5, MaxCapacity=2, **TARGET)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    await autoscaling.register_scalable_target(MinCapacity=1, MaxCapacity=2, **TARGET)
    with pytest.raises(ClientError) as caught:
        await autoscaling.delete_scaling_policy(PolicyName="nope", **TARGET)
    assert caught.value.response["Error"]["Code"] == "ObjectNotFoundException"
    assert "policy name: nope" in caught.value.response["Error"]["Message"]
