"""What the hosting tests read back from the emulator and the apiserver."""

from __future__ import annotations

from typing import Any

from sagemaker_emulator.testing import RunningEmulator


def uid_of(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["uid"]).replace("-", "")


async def sagemaker_names(
    emulator: RunningEmulator, fragment: str, region: str = "us-east-1"
) -> dict[str, list[str]]:
    """Every model, endpoint config and endpoint in the emulator whose name holds ``fragment``."""
    found: dict[str, list[str]] = {}
    async with emulator.client("sagemaker", region=region) as sagemaker:
        for noun in ("Model", "EndpointConfig", "Endpoint"):
            listed = await getattr(sagemaker, f"list_{_snake(noun)}s")(
                NameContains=fragment, MaxResults=100
            )
            found[noun] = sorted(item[f"{noun}Name"] for item in listed[f"{noun}s"])
    return found


def referenced(hosting: dict[str, Any]) -> dict[str, list[str]]:
    """The SageMaker objects a HostingDeployment's status names."""
    status = hosting["status"]
    return {
        "Model": sorted(pair["value"] for pair in status.get("modelNames") or []),
        "EndpointConfig": [status["endpointConfigName"]],
        "Endpoint": [status["endpointName"]],
    }


def conditions(obj: dict[str, Any] | None) -> dict[str, str]:
    found = ((obj or {}).get("status") or {}).get("conditions") or []
    return {c["type"]: c["status"] for c in found}


def condition(obj: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    found = ((obj or {}).get("status") or {}).get("conditions") or []
    return next(c for c in found if c["type"] == kind)


def _snake(noun: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in noun).lstrip("_")


async def endpoint(emulator: RunningEmulator, name: str, region: str = "us-east-1") -> Any:
    async with emulator.client("sagemaker", region=region) as sagemaker:
        return await sagemaker.describe_endpoint(EndpointName=name)


async def make_model(emulator: RunningEmulator, name: str, region: str = "us-east-1") -> None:
    """A model made in SageMaker directly, as someone would in their account."""
    async with emulator.client("sagemaker", region=region) as sagemaker:
        await sagemaker.create_model(
            ModelName=name,
            ExecutionRoleArn="arn:aws:iam::123456789012:role/service-role/SageMakerRole",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        )


async def endpoint_on(
    emulator: RunningEmulator,
    model: str,
    config: str,
    endpoint_name: str | None = None,
    variant: str = "v",
    count: int = 1,
) -> None:
    """An endpoint configuration running ``model``, and an endpoint on it, made outside
    the operator, as a user or another tool would."""
    async with emulator.client("sagemaker") as sagemaker:
        await sagemaker.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {"VariantName": variant, "ModelName": model,
                 "InitialInstanceCount": count, "InstanceType": "ml.c5.large"},
            ],
        )  # fmt: skip
        if endpoint_name is not None:
            await sagemaker.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=config)
