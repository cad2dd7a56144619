"""Processing and transform jobs: lifecycle, stop, errors, lists."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import model, processing_job, transform_job


async def test_processing_job_lifecycle(emulator: RunningEmulator, sagemaker: Any) -> None:
    created = await sagemaker.create_processing_job(**processing_job())
    assert created["ProcessingJobArn"].endswith(":processing-job/process-1")
    described = await sagemaker.describe_processing_job(ProcessingJobName="process-1")
    assert described["ProcessingJobStatus"] == "InProgress"
    assert "ProcessingStartTime" not in described
    emulator.control.advance(60)
    described = await sagemaker.describe_processing_job(ProcessingJobName="process-1")
    assert "ProcessingStartTime" in described
    emulator.control.advance(120)
    described = await sagemaker.describe_processing_job(ProcessingJobName="process-1")
    assert described["ProcessingJobStatus"] == "Completed"
    assert described["AppSpecification"]["ImageUri"].endswith("xgboost:latest")
    assert described["ProcessingEndTime"] > described["ProcessingStartTime"]


async def test_processing_job_stop_and_errors(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_processing_job(**processing_job())
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_processing_job(**processing_job())
    assert caught.value.response["Error"]["Code"] == "ResourceInUse"
    await sagemaker.stop_processing_job(ProcessingJobName="process-1")
    emulator.control.advance(10)
    described = await sagemaker.describe_processing_job(ProcessingJobName="process-1")
    assert described["ProcessingJobStatus"] == "Stopped"
    with pytest.raises(ClientError) as caught:
        await sagemaker.stop_processing_job(ProcessingJobName="process-1")
    assert "is in status Stopped" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as caught:
        await sagemaker.describe_processing_job(ProcessingJobName="ghost")
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Could not find requested job with name ghost",
    )


async def test_transform_job_needs_its_model(sagemaker: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_transform_job(**transform_job())
    assert caught.value.response["Error"]["Message"] == (
        'Could not find model "arn:aws:sagemaker:us-east-1:123456789012:model/model-1".'
    )


async def test_transform_job_lifecycle_failure_and_list(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_model(**model())
    emulator.control.fail("broken", reason="ClientError: bad input format", kind="transform-job")
    await sagemaker.create_transform_job(**transform_job("good"))
    await sagemaker.create_transform_job(**transform_job("broken"))
    emulator.control.advance(180)
    good = await sagemaker.describe_transform_job(TransformJobName="good")
    broken = await sagemaker.describe_transform_job(TransformJobName="broken")
    assert good["TransformJobStatus"] == "Completed"
    assert broken["TransformJobStatus"] == "Failed"
    assert broken["FailureReason"] == "ClientError: bad input format"
    listed = await sagemaker.list_transform_jobs(StatusEquals="Failed")
    assert [s["TransformJobName"] for s in listed["TransformJobSummaries"]] == ["broken"]
    await sagemaker.create_transform_job(**transform_job("later"))
    await sagemaker.stop_transform_job(TransformJobName="later")
    emulator.control.advance(10)
    later = await sagemaker.describe_transform_job(TransformJobName="later")
    assert later["TransformJobStatus"] == "Stopped"


async def test_processing_jobs_list(sagemaker: Any) -> None:
    for name in ("b-job", "a-job"):
        await sagemaker.create_processing_job(**processing_job(name))
    listed = await sagemaker.list_processing_jobs(SortBy="Name", SortOrder="Ascending")
    assert [s["ProcessingJobName"] for s in listed["ProcessingJobSummaries"]] == [
        "a-job",
        "b-job",
    ]
