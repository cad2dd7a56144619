"""Hyperparameter tuning: fan-out within limits, counters, best job, stop."""

from __future__ import annotations

import math
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import TRAINING_SECONDS, tuning_job


async def children(sagemaker: Any, name: str = "tune-1", **kwargs: Any) -> list[dict[str, Any]]:
    response = await sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, MaxResults=100, **kwargs
    )
    summaries: list[dict[str, Any]] = response["TrainingJobSummaries"]
    return summaries


async def test_fan_out_respects_parallel_limit_and_total(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job(max_jobs=5, parallel=2))
    running_counts = []
    for _ in range(6):
        summaries = await children(sagemaker)
        running_counts.append(sum(s["TrainingJobStatus"] == "InProgress" for s in summaries))
        emulator.control.advance(TRAINING_SECONDS)
    assert max(running_counts) == 2
    assert running_counts[:3] == [2, 2, 1]
    described = await sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-1"
    )
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"] == {
        "Completed": 5,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    assert described["ObjectiveStatusCounters"] == {"Succeeded": 5, "Pending": 0, "Failed": 0}
    assert "HyperParameterTuningEndTime" in described


async def test_children_are_real_training_jobs_with_tuned_hyperparameters(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job(max_jobs=4, parallel=4))
    emulator.control.advance(TRAINING_SECONDS)
    for summary in await children(sagemaker):
        tuned = summary["TunedHyperParameters"]
        assert 3 <= int(tuned["max_depth"]) <= 10
        assert 0.01 <= float(tuned["eta"]) <= 0.5
        assert tuned["booster"] in ("gbtree", "dart")
        job = await sagemaker.describe_training_job(TrainingJobName=summary["TrainingJobName"])
        assert job["TuningJobArn"].endswith(":hyper-parameter-tuning-job/tune-1")
        assert job["HyperParameters"] == {"objective": "reg:squarederror", **tuned}
        metric = summary["FinalHyperParameterTuningJobObjectiveMetric"]
        assert metric["MetricName"] == "validation:rmse"
        assert math.isfinite(metric["Value"])


@pytest.mark.parametrize(("objective", "pick"), [("Minimize", min), ("Maximize", max)])
async def test_best_training_job_follows_the_objective(
    emulator: RunningEmulator, sagemaker: Any, objective: str, pick: Any
) -> None:
    request = tuning_job(max_jobs=6, parallel=3, objective=objective)
    await sagemaker.create_hyper_parameter_tuning_job(**request)
    emulator.control.advance(2 * TRAINING_SECONDS)
    values = {
        s["TrainingJobName"]: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        for s in await children(sagemaker)
    }
    assert len(values) == 6
    described = await sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-1"
    )
    best = described["BestTrainingJob"]
    assert best["TrainingJobName"] == pick(values, key=values.__getitem__)
    by_metric = await children(
        sagemaker,
        SortBy="FinalObjectiveMetricValue",
        SortOrder="Ascending" if objective == "Minimize" else "Descending",
    )
    assert by_metric[0]["TrainingJobName"] == best["TrainingJobName"]


async def test_stopping_a_tuning_job_stops_its_running_children(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job(max_jobs=5, parallel=3))
    emulator.control.advance(100)
    await sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-1")
    described = await sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-1"
    )
    assert described["HyperParameterTuningJobStatus"] == "Stopping"
    assert {s["TrainingJobStatus"] for s in await children(sagemaker)} == {"Stopping"}
    emulator.control.advance(TRAINING_SECONDS)
    described = await sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-1"
    )
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert described["TrainingJobStatusCounters"]["Stopped"] == 3
    # No new children were launched after the stop.
    assert len(await children(sagemaker)) == 3


async def test_failed_children_are_counted_and_all_failing_fails_the_tuning_job(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.fail("tune-1-*", reason="AlgorithmError: diverged")
    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job(max_jobs=3, parallel=3))
    emulator.control.advance(TRAINING_SECONDS)
    described = await sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-1"
    )
    assert described["HyperParameterTuningJobStatus"] == "Failed"
    assert described["TrainingJobStatusCounters"]["NonRetryableError"] == 3
    assert described["ObjectiveStatusCounters"]["Failed"] == 3
    assert "No training job succeeded" in described["FailureReason"]
    assert "BestTrainingJob" not in described


async def test_tuning_job_errors_match_sagemaker(emulator: RunningEmulator, sagemaker: Any) -> None:
    with pytest.raises(ClientError) as caught:
        await sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="nope")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"
    assert "can't find a tuning job called nope" in caught.value.response["Error"]["Message"]

    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job(max_jobs=1, parallel=1))
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_hyper_parameter_tuning_job(**tuning_job(max_jobs=1, parallel=1))
    assert caught.value.response["Error"]["Code"] == "ResourceInUse"

    emulator.control.advance(TRAINING_SECONDS)
    with pytest.raises(ClientError) as caught:
        await sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-1")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "is in status Completed" in caught.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as caught:
        await sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="nope"
        )
    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"


async def test_inverted_range_is_refused(sagemaker: Any) -> None:
    request = tuning_job()
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    ranges["IntegerParameterRanges"][0].update(MinValue="9", MaxValue="2")
    with pytest.raises(ClientError) as caught:
        await sagemaker.create_hyper_parameter_tuning_job(**request)
    assert "max_depth" in caught.value.response["Error"]["Message"]


async def test_list_tuning_jobs(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job("tune-b", 1, 1))
    await sagemaker.create_hyper_parameter_tuning_job(**tuning_job("tune-a", 1, 1))
    listed = await sagemaker.list_hyper_parameter_tuning_jobs()
    summaries = listed["HyperParameterTuningJobSummaries"]
    assert [s["HyperParameterTuningJobName"] for s in summaries] == ["tune-a", "tune-b"]
    assert summaries[0]["TrainingJobStatusCounters"]["InProgress"] == 1
    assert summaries[0]["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 1
