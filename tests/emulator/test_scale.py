"""The emulator at scale: long phases cost no more than short ones; lists that say what
changed (LastModifiedTime), sort and page as SageMaker's do."""

from __future__ import annotations

import itertools
from typing import Any

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import processing_job, training_job

WEEK = 7 * 24 * 3600


async def test_a_week_of_training_holds_one_pending_event_per_job(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    emulator.control.set_timings(training_training=10_000_000, log_interval=10)
    for index in range(20):
        request = training_job(f"long-{index}", StoppingCondition={"MaxRuntimeInSeconds": WEEK})
        await sagemaker.create_training_job(**request)
    emulator.control.advance(60 + 30 + 35)  # into Training, past three progress lines

    # Eagerly planned, 20 jobs would hold 20 million log events; rolling, one line each,
    # plus the phase change and the MaxRuntime limit.
    assert emulator.control.status()["pending_events"] <= 20 * 3
    described = await sagemaker.describe_training_job(TrainingJobName="long-0")
    assert described["SecondaryStatus"] == "Training"
    streams = await logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs")
    stream = next(s for s in streams["logStreams"] if s["logStreamName"].startswith("long-0/"))
    events = await logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamName=stream["logStreamName"],
        startFromHead=True,
    )
    progress = [e["message"] for e in events["events"] if e["message"].startswith("[step")]
    assert [line.split("]")[0] for line in progress] == ["[step 1", "[step 2", "[step 3"]


async def test_stopping_a_long_job_leaves_no_log_lines_planned(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.set_timings(training_training=10_000_000)
    await sagemaker.create_training_job(**training_job("stopped", StoppingCondition={}))
    emulator.control.advance(100)
    await sagemaker.stop_training_job(TrainingJobName="stopped")
    emulator.control.advance(10)
    described = await sagemaker.describe_training_job(TrainingJobName="stopped")
    assert described["TrainingJobStatus"] == "Stopped"
    emulator.control.advance(1000)
    # Only the training phase's end is still booked (a no-op when due); no log line is.
    assert emulator.control.status()["pending_events"] == 1


async def test_last_modified_time_moves_with_each_status_change_and_only_then(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**training_job("lmt"))
    seen = []
    # Within each phase (Starting 60, Downloading 30, Training 120, Uploading 20) and at its
    # end: the time moves exactly when the secondary status does.
    for step in (10, 50, 10, 20, 60, 60, 20):
        described = await sagemaker.describe_training_job(TrainingJobName="lmt")
        seen.append((described["SecondaryStatus"], described["LastModifiedTime"]))
        emulator.control.advance(step)
    described = await sagemaker.describe_training_job(TrainingJobName="lmt")
    seen.append((described["SecondaryStatus"], described["LastModifiedTime"]))
    for (before_status, before_time), (after_status, after_time) in itertools.pairwise(seen):
        assert (after_time > before_time) == (after_status != before_status), seen
    assert [status for status, _ in seen][-1] == "Completed"


async def test_list_after_a_time_returns_only_what_changed_since(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.set_timings(training_starting=100)
    await sagemaker.create_training_job(**training_job("early"))
    emulator.control.advance(50)
    await sagemaker.create_training_job(**training_job("late"))
    emulator.control.advance(20)
    mark = emulator.control.now()
    emulator.control.advance(10)  # nothing changes in between

    listed = await sagemaker.list_training_jobs(LastModifiedTimeAfter=mark)
    assert listed["TrainingJobSummaries"] == []
    emulator.control.advance(25)  # "early" leaves Starting; "late" is still in it
    listed = await sagemaker.list_training_jobs(LastModifiedTimeAfter=mark)
    [summary] = listed["TrainingJobSummaries"]
    assert summary["TrainingJobName"] == "early"
    assert summary["SecondaryStatus"] == "Downloading"
    assert summary["LastModifiedTime"].timestamp() > mark


async def test_lists_sort_newest_first_and_page_by_token(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    for index in range(7):
        await sagemaker.create_processing_job(**processing_job(f"proc-{index}"))
        await sagemaker.create_training_job(**training_job(f"train-{index}"))
        emulator.control.advance(1)
    for operation, field in (
        (sagemaker.list_training_jobs, "TrainingJobName"),
        (sagemaker.list_processing_jobs, "ProcessingJobName"),
    ):
        names: list[str] = []
        params: dict[str, Any] = {
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": 3,
        }
        pages = 0
        while True:
            page = await operation(**params)
            pages += 1
            names += [summary[field] for summary in page[field.replace("Name", "Summaries")]]
            if "NextToken" not in page:
                break
            params["NextToken"] = page["NextToken"]
        assert pages == 3
        assert [name[-1] for name in names] == list("6543210")


async def test_request_log_counts_calls_by_operation(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.reset_requests()
    await sagemaker.create_training_job(**training_job("counted"))
    for _ in range(3):
        await sagemaker.describe_training_job(TrainingJobName="counted")
    await sagemaker.list_training_jobs(MaxResults=100)
    counts = emulator.control.requests.snapshot()["by_operation"]
    assert counts == {"CreateTrainingJob": 1, "DescribeTrainingJob": 3, "ListTrainingJobs": 1}
