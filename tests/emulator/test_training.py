"""Training jobs through aiobotocore: progression on a manual clock, stop, failure, lists."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import TRAINING_SECONDS, training_job

ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/train-1"


async def status(sagemaker: Any, name: str = "train-1") -> tuple[str, str]:
    described = await sagemaker.describe_training_job(TrainingJobName=name)
    return described["TrainingJobStatus"], described["SecondaryStatus"]


async def test_job_walks_through_secondary_statuses_to_completed(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    created = await sagemaker.create_training_job(**training_job())
    assert created["TrainingJobArn"] == ARN

    seen = [await status(sagemaker)]
    for step in (60, 30, 120, 20):
        emulator.control.advance(step)
        seen.append(await status(sagemaker))

    assert seen == [
        ("InProgress", "Starting"),
        ("InProgress", "Downloading"),
        ("InProgress", "Training"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    transitions = described["SecondaryStatusTransitions"]
    assert [t["Status"] for t in transitions] == [
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert all("EndTime" in t for t in transitions)
    assert described["ModelArtifacts"]["S3ModelArtifacts"] == (
        "s3://bucket/output/train-1/output/model.tar.gz"
    )
    assert described["TrainingEndTime"] > described["TrainingStartTime"]
    # Two instances for the 170 s between instances ready and the end.
    assert described["BillableTimeInSeconds"] == 2 * (TRAINING_SECONDS - 60)
    assert [m["MetricName"] for m in described["FinalMetricDataList"]] == ["validation:rmse"]
    assert described["HyperParameters"] == {"max_depth": "5"}


async def test_in_progress_job_has_no_model_artifacts_yet(sagemaker: Any) -> None:
    await sagemaker.create_training_job(**training_job())
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert "ModelArtifacts" not in described
    assert "TrainingEndTime" not in described


async def test_a_late_read_sees_every_transition_at_its_own_time(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job())
    emulator.control.advance(10_000)
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    starts = [t["StartTime"] for t in described["SecondaryStatusTransitions"]]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(starts)]
    assert gaps == [60, 30, 120, 20]


async def test_duplicate_name_is_refused_like_sagemaker(sagemaker: Any) -> None:
    await sagemaker.create_training_job(**training_job())
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_training_job(**training_job())
    error = caught.value.response["Error"]
    assert error["Code"] == "ResourceInUse"
    assert error["Message"] == (
        "Training job names must be unique within an AWS account and region, and a training "
        f"job with this name already exists ({ARN})"
    )


async def test_names_are_unique_per_region_only(emulator: RunningEmulator) -> None:
    for region in ("us-east-1", "eu-west-1"):
        async with emulator.client("sagemaker", retries_off=True, region=region) as client:
            created = await client.create_training_job(**training_job())
            assert f":{region}:" in created["TrainingJobArn"]
            listed = await client.list_training_jobs()
            assert len(listed["TrainingJobSummaries"]) == 1


async def test_missing_job_is_reported_as_sagemaker_does(sagemaker: Any) -> None:
    for call in (sagemaker.describe_training_job, sagemaker.stop_training_job):
        with pytest.raises(ClientError) as caught:
            await call(TrainingJobName="nope")
        error = caught.value.response["Error"]
        assert (error["Code"], error["Message"]) == (
            "ValidationException",
            "Requested resource not found.",
        )


async def test_stop_moves_through_stopping_to_stopped(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job())
    emulator.control.advance(100)
    await sagemaker.stop_training_job(TrainingJobName="train-1")
    assert await status(sagemaker) == ("Stopping", "Stopping")
    emulator.control.advance(10)
    assert await status(sagemaker) == ("Stopped", "Stopped")
    emulator.control.advance(1000)
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert described["TrainingJobStatus"] == "Stopped"
    assert "ModelArtifacts" not in described


async def test_stopping_a_finished_job_is_refused(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job())
    emulator.control.advance(TRAINING_SECONDS)
    with pytest.raises(ClientError) as caught:
        await sagemaker.stop_training_job(TrainingJobName="train-1")
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "The request was rejected because the training job is in status Completed."
    )


async def test_scripted_failure_fails_the_job_with_the_reason(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.fail("train-*", reason="AlgorithmError: out of memory")
    await sagemaker.create_training_job(**training_job())
    await sagemaker.create_training_job(**training_job("other"))
    emulator.control.advance(TRAINING_SECONDS)
    failed = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert failed["TrainingJobStatus"] == "Failed"
    assert failed["SecondaryStatus"] == "Failed"
    assert failed["FailureReason"] == "AlgorithmError: out of memory"
    assert await status(sagemaker, "other") == ("Completed", "Completed")


async def test_a_fraction_of_jobs_fails(emulator: RunningEmulator, sagemaker: Any) -> None:
    emulator.control.fail_fraction(0.5, reason="ClientError: bad data")
    for index in range(20):
        await sagemaker.create_training_job(**training_job(f"job-{index}"))
    emulator.control.advance(TRAINING_SECONDS)
    failed = await sagemaker.list_training_jobs(StatusEquals="Failed", MaxResults=100)
    completed = await sagemaker.list_training_jobs(StatusEquals="Completed", MaxResults=100)
    failures = len(failed["TrainingJobSummaries"])
    assert 3 <= failures <= 17
    assert failures + len(completed["TrainingJobSummaries"]) == 20


async def test_max_runtime_stops_the_job(emulator: RunningEmulator, sagemaker: Any) -> None:
    request = training_job(StoppingCondition={"MaxRuntimeInSeconds": 100})
    await sagemaker.create_training_job(**request)
    emulator.control.advance(TRAINING_SECONDS)
    assert await status(sagemaker) == ("Stopped", "MaxRuntimeExceeded")


async def test_list_filters_sorts_and_pages(emulator: RunningEmulator, sagemaker: Any) -> None:
    for index in range(5):
        await sagemaker.create_training_job(**training_job(f"alpha-{index}"))
        emulator.control.advance(1)
    await sagemaker.create_training_job(**training_job("beta-0"))

    first = await sagemaker.list_training_jobs(NameContains="alpha", MaxResults=2)
    names = [s["TrainingJobName"] for s in first["TrainingJobSummaries"]]
    assert names == ["alpha-0", "alpha-1"]
    rest = await sagemaker.list_training_jobs(
        NameContains="alpha", MaxResults=10, NextToken=first["NextToken"]
    )
    assert [s["TrainingJobName"] for s in rest["TrainingJobSummaries"]] == [
        "alpha-2",
        "alpha-3",
        "alpha-4",
    ]
    assert "NextToken" not in rest
    newest = await sagemaker.list_training_jobs(SortBy="CreationTime", SortOrder="Descending")
    assert newest["TrainingJobSummaries"][0]["TrainingJobName"] == "beta-0"


async def test_paginator_walks_every_page(sagemaker: Any) -> None:
    for index in range(25):
        await sagemaker.create_training_job(**training_job(f"job-{index}"))
    paginator = sagemaker.get_paginator("list_training_jobs")
    names = [
        summary["TrainingJobName"]
        async for page in paginator.paginate(PaginationConfig={"PageSize": 10})
        for summary in page["TrainingJobSummaries"]
    ]
    assert sorted(names) == sorted(f"job-{index}" for index in range(25))
