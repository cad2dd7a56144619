"""The main error of the operations not covered elsewhere, and the operation list."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.protocol import HANDLERS
from sagemaker_emulator.service_models import service_model
from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import model, transform_job

ISSUE_OPERATIONS = {
    "sagemaker": {
        *(
            f"{verb}{kind}"
            for verb in ("Create", "Describe", "Stop")
            for kind in ("TrainingJob", "HyperParameterTuningJob", "TransformJob", "ProcessingJob")
        ),
        "ListTrainingJobs",
        "ListHyperParameterTuningJobs",
        "ListTransformJobs",
        "ListProcessingJobs",
        "ListTrainingJobsForHyperParameterTuningJob",
        *(
            f"{verb}{kind}"
            for verb in ("Create", "Describe", "Delete")
            for kind in ("Model", "EndpointConfig", "Endpoint")
        ),
        "ListModels",
        "ListEndpointConfigs",
        "ListEndpoints",
        "UpdateEndpoint",
        "UpdateEndpointWeightsAndCapacities",
        "AddTags",
        "ListTags",
        "DeleteTags",
    },
    "logs": {"DescribeLogStreams", "GetLogEvents", "FilterLogEvents"},
    "application-autoscaling": {
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "DescribeScalableTargets",
        "PutScalingPolicy",
        "DeleteScalingPolicy",
        "DescribeScalingPolicies",
    },
}


@pytest.mark.parametrize("service", sorted(ISSUE_OPERATIONS))
def test_every_operation_of_the_issue_is_served_and_in_botocore(service: str) -> None:
    wanted = ISSUE_OPERATIONS[service]
    assert set(HANDLERS[service]) == wanted
    assert wanted <= set(service_model(service).operation_names)


async def test_transform_job_missing_and_finished(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.describe_transform_job(TransformJobName="ghost")
    assert (
        caught.value.response["Error"]["Message"] == "Could not find requested job with name ghost"
    )
    await sagemaker.create_model(**model())
    await sagemaker.create_transform_job(**transform_job())
    emulator.control.advance(180)
    with pytest.raises(ClientError) as caught:
        await sagemaker.stop_transform_job(TransformJobName="transform-1")
    assert caught.value.response["Error"]["Message"] == (
        "The request was rejected because the transform job is in status Completed."
    )


async def test_deleting_what_does_not_exist(sagemaker: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.delete_model(ModelName="ghost")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as caught:
        await sagemaker.delete_endpoint_config(EndpointConfigName="ghost")
    assert "Could not find endpoint configuration" in caught.value.response["Error"]["Message"]


async def test_a_forged_page_token_is_refused(sagemaker: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.list_models(NextToken="not-a-token")
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationException", "Invalid pagination token.")


async def test_filter_log_events_on_a_missing_group(logs: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await logs.filter_log_events(logGroupName="/aws/sagemaker/Nothing")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as caught:
        await logs.describe_log_streams(
            logGroupName="/aws/sagemaker/Nothing", logStreamNamePrefix="a", orderBy="LastEventTime"
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"


async def test_describe_scaling_of_an_unknown_namespace_is_refused(
    emulator: RunningEmulator,
) -> None:
    async with emulator.client(
        "application-autoscaling", retries_off=True, client_validation=False
    ) as autoscaling:
        for call in (autoscaling.describe_scalable_targets, autoscaling.describe_scaling_policies):
            with pytest.raises(ClientError) as caught:
                await call(ServiceNamespace="moon")
            error = caught.value.response["Error"]
            assert error["Code"] == "ValidationException"
            assert "at 'serviceNamespace'" in error["Message"]
