"""AddTags, ListTags and DeleteTags on every resource kind."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import (
    endpoint_config,
    model,
    processing_job,
    training_job,
    transform_job,
    tuning_job,
)


async def create_everything(sagemaker: Any) -> list[str]:
    return [
        (await sagemaker.create_training_job(**training_job()))["TrainingJobArn"],
        (await sagemaker.create_processing_job(**processing_job()))["ProcessingJobArn"],
        (await sagemaker.create_model(**model()))["ModelArn"],
        (await sagemaker.create_transform_job(**transform_job()))["TransformJobArn"],
        (await sagemaker.create_endpoint_config(**endpoint_config()))["EndpointConfigArn"],
        (await sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="config-1"))[
            "EndpointArn"
        ],
        (await sagemaker.create_hyper_parameter_tuning_job(**tuning_job()))[
            "HyperParameterTuningJobArn"
        ],
    ]


async def test_tags_on_every_resource(sagemaker: Any) -> None:
    arns = await create_everything(sagemaker)
    assert len(arns) == 7
    for arn in arns:
        await sagemaker.add_tags(
            ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "o", "Value": "1"}]
        )
        await sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
        await sagemaker.delete_tags(ResourceArn=arn, TagKeys=["o"])
        tags = {t["Key"]: t["Value"] for t in (await sagemaker.list_tags(ResourceArn=arn))["Tags"]}
        assert tags.get("env") == "prod", arn
        assert "o" not in tags
    # Tags given at creation are kept.
    first = await sagemaker.list_tags(ResourceArn=arns[0])
    assert {"Key": "team", "Value": "ml"} in first["Tags"]


async def test_tags_on_missing_or_deleted_resource(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    arn = (await sagemaker.create_model(**model()))["ModelArn"]
    await sagemaker.delete_model(ModelName="model-1")
    for call in (
        sagemaker.list_tags(ResourceArn=arn),
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}]),
        sagemaker.delete_tags(ResourceArn=arn, TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as caught:
            await call
        assert caught.value.response["Error"]["Code"] == "ValidationException"


async def test_list_tags_pages(sagemaker: Any) -> None:
    arn = (await sagemaker.create_model(**model()))["ModelArn"]
    for start in (0, 30):
        tags = [{"Key": f"k{i}", "Value": str(i)} for i in range(start, start + 30)]
        await sagemaker.add_tags(ResourceArn=arn, Tags=tags)
    first = await sagemaker.list_tags(ResourceArn=arn, MaxResults=50)
    second = await sagemaker.list_tags(ResourceArn=arn, MaxResults=50, NextToken=first["NextToken"])
    assert (len(first["Tags"]), len(second["Tags"])) == (50, 10)
    assert "NextToken" not in second
