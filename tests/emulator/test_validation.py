"""Malformed requests are refused with a ValidationException naming the field.

The client's own validation is off here, so every request reaches the emulator
the way a buggy or older client's would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import endpoint_config, training_job, tuning_job


def without(request: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k != field}


def with_resource(**changes: Any) -> dict[str, Any]:
    request = training_job()
    request["ResourceConfig"] = {**request["ResourceConfig"], **changes}
    return request


def with_channel(**changes: Any) -> dict[str, Any]:
    request = training_job()
    channel = dict(request["InputDataConfig"][0])
    channel.update(changes)
    request["InputDataConfig"] = [channel]
    return request


def with_tuning(**changes: Any) -> dict[str, Any]:
    request = tuning_job()
    config = request["HyperParameterTuningJobConfig"]
    config.update({k: v for k, v in changes.items() if k != "ResourceLimits"})
    if "ResourceLimits" in changes:
        config["ResourceLimits"] = {**config["ResourceLimits"], **changes["ResourceLimits"]}
    return request


S3 = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "ftp://bucket/train/"}}
BAD_WEIGHT = endpoint_config()
BAD_WEIGHT["ProductionVariants"][0]["InitialVariantWeight"] = -1.0

CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("sagemaker", "create_training_job", without(training_job(), "TrainingJobName"),
     "trainingJobName", "Member must not be null"),
    ("sagemaker", "create_training_job", without(training_job(), "RoleArn"),
     "roleArn", "Member must not be null"),
    ("sagemaker", "create_training_job", training_job("a" * 64),
     "trainingJobName", "length less than or equal to 63"),
    ("sagemaker", "create_training_job", training_job("under_score"),
     "trainingJobName", "regular expression pattern"),
    ("sagemaker", "create_training_job",
     training_job(AlgorithmSpecification={"TrainingImage": "i", "TrainingInputMode": "Bogus"}),
     "algorithmSpecification.trainingInputMode", "enum value set"),
    ("sagemaker", "create_training_job", with_resource(KeepAlivePeriodInSeconds=99999),
     "resourceConfig.keepAlivePeriodInSeconds", "value less than or equal to 21600"),
    ("sagemaker", "create_training_job",
     training_job(StoppingCondition={"MaxRuntimeInSeconds": 0}),
     "stoppingCondition.maxRuntimeInSeconds", "value greater than or equal to 1"),
    ("sagemaker", "create_training_job", with_resource(InstanceCount="two"),
     "resourceConfig.instanceCount", "Member must be of type"),
    ("sagemaker", "create_training_job", with_resource(InstanceType="ml.fake.huge"),
     "resourceConfig.instanceType", "enum value set"),
    ("sagemaker", "create_training_job", with_channel(ChannelName="has space"),
     "inputDataConfig.1.member.channelName", "regular expression pattern"),
    ("sagemaker", "create_training_job", with_channel(DataSource=S3),
     "inputDataConfig.1.member.dataSource.s3DataSource.s3Uri", "regular expression pattern"),
    ("sagemaker", "create_training_job", training_job(HyperParameters={"max_depth": "9" * 2600}),
     "hyperParameters.max_depth", "length less than or equal to 2500"),
    ("sagemaker", "create_training_job", training_job(Tags=[{"Key": "k" * 129, "Value": "v"}]),
     "tags.1.member.key", "length less than or equal to 128"),
    ("sagemaker", "create_training_job", training_job(RoleArn="not-an-arn"),
     "roleArn", "Member must have length greater than or equal to 20"),
    ("sagemaker", "describe_training_job", {"TrainingJobName": ""},
     "trainingJobName", "length greater than or equal to 1"),
    ("sagemaker", "create_endpoint", {"EndpointName": "ep"},
     "endpointConfigName", "Member must not be null"),
    ("sagemaker", "create_endpoint_config", BAD_WEIGHT,
     "productionVariants.1.member.initialVariantWeight", "greater than or equal to 0"),
    ("sagemaker", "create_hyper_parameter_tuning_job", with_tuning(Strategy="Magic"),
     "hyperParameterTuningJobConfig.strategy", "enum value set"),
    ("sagemaker", "create_hyper_parameter_tuning_job",
     with_tuning(ResourceLimits={"MaxParallelTrainingJobs": 0}),
     "hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs",
     "greater than or equal to 1"),
    ("sagemaker", "list_training_jobs", {"MaxResults": 1000},
     "maxResults", "value less than or equal to 100"),
    ("sagemaker", "list_training_jobs", {"SortOrder": "Sideways"},
     "sortOrder", "enum value set"),
    ("sagemaker", "list_training_jobs", {"StatusEquals": "Running"},
     "statusEquals", "enum value set"),
    ("logs", "get_log_events", {"logGroupName": "/aws/sagemaker/TrainingJobs"},
     "logStreamName", "Member must not be null"),
    ("logs", "filter_log_events", {"logGroupName": "g", "limit": 0},
     "limit", "greater than or equal to 1"),
    ("application-autoscaling", "register_scalable_target",
     {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/ep/variant/v",
      "ScalableDimension": "sagemaker:variant:Bogus"},
     "scalableDimension", "enum value set"),
]  # fmt: skip


@pytest_asyncio.fixture
async def clients(emulator: RunningEmulator) -> AsyncIterator[dict[str, Any]]:
    async with (
        emulator.client("sagemaker", retries_off=True, client_validation=False) as sagemaker,
        emulator.client("logs", retries_off=True, client_validation=False) as logs,
        emulator.client(
            "application-autoscaling", retries_off=True, client_validation=False
        ) as autoscaling,
    ):
        yield {"sagemaker": sagemaker, "logs": logs, "application-autoscaling": autoscaling}


def test_there_are_at_least_fifteen_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize(
    ("service", "method", "params", "path", "constraint"),
    CASES,
    ids=[f"{case[1]}:{case[3]}" for case in CASES],
)
async def test_malformed_request_is_refused_naming_the_field(
    clients: dict[str, Any],
    service: str,
    method: str,
    params: dict[str, Any],
    path: str,
    constraint: str,
) -> None:
    with pytest.raises(ClientError) as caught:
        await getattr(clients[service], method)(**params)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Message"].startswith(("1 validation error detected", "2 validation errors"))
    clause = next(c for c in error["Message"].split("; ") if f"at '{path}'" in c)
    assert constraint in clause


async def test_every_problem_is_reported_at_once(clients: dict[str, Any]) -> None:
    request = without(training_job("bad_name"), "RoleArn")
    with pytest.raises(ClientError) as caught:
        await clients["sagemaker"].create_training_job(**request)
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "at 'roleArn'" in message
    assert "Value 'bad_name' at 'trainingJobName'" in message


async def test_nothing_is_created_by_a_refused_request(
    emulator: RunningEmulator, clients: dict[str, Any]
) -> None:
    with pytest.raises(ClientError):
        await clients["sagemaker"].create_training_job(**training_job("under_score"))
    listed = await clients["sagemaker"].list_training_jobs()
    assert listed["TrainingJobSummaries"] == []
