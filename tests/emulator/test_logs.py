"""CloudWatch Logs: every running job writes events; they read back in order."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import TRAINING_SECONDS, processing_job, training_job

GROUP = "/aws/sagemaker/TrainingJobs"


async def run_two_jobs(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_training_job(**training_job("job-a"))
    emulator.control.advance(5)
    await sagemaker.create_training_job(**training_job("job-b"))
    emulator.control.advance(TRAINING_SECONDS)


async def test_streams_are_named_after_the_job_and_its_start(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    await run_two_jobs(emulator, sagemaker)
    described = await sagemaker.describe_training_job(TrainingJobName="job-a")
    started = int(described["TrainingStartTime"].timestamp())
    streams = await logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="job-a/")
    # One stream per instance (the builder asks for two); the second writes each line a
    # millisecond after the first, so the streams interleave in time.
    assert [s["logStreamName"] for s in streams["logStreams"]] == [
        f"job-a/algo-1-{started}",
        f"job-a/algo-2-{started}",
    ]
    first, second = [
        (await logs.get_log_events(logGroupName=GROUP, logStreamName=name))["events"]
        for name in (f"job-a/algo-1-{started}", f"job-a/algo-2-{started}")
    ]
    assert [e["message"] for e in first] == [e["message"] for e in second]
    assert [e["timestamp"] + 1 for e in first] == [e["timestamp"] for e in second]
    stream = streams["logStreams"][0]
    assert stream["firstEventTimestamp"] <= stream["lastEventTimestamp"]
    newest = await logs.describe_log_streams(
        logGroupName=GROUP, orderBy="LastEventTime", descending=True
    )
    assert newest["logStreams"][0]["logStreamName"].startswith("job-b/")


async def test_a_single_instance_job_has_one_stream(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    request = training_job("solo")
    request["ResourceConfig"]["InstanceCount"] = 1
    await sagemaker.create_training_job(**request)
    emulator.control.advance(TRAINING_SECONDS)
    streams = await logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="solo/")
    assert [s["logStreamName"].split("-")[0] for s in streams["logStreams"]] == ["solo/algo"]


async def test_no_stream_before_the_instances_are_up(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    await sagemaker.create_processing_job(**processing_job())
    with pytest.raises(ClientError) as caught:
        await logs.describe_log_streams(logGroupName="/aws/sagemaker/ProcessingJobs")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["Error"]["Message"] == "The specified log group does not exist."
    emulator.control.advance(90)
    streams = await logs.describe_log_streams(logGroupName="/aws/sagemaker/ProcessingJobs")
    assert streams["logStreams"][0]["logStreamName"].startswith("process-1/algo-1-")


async def test_get_log_events_in_order_with_forward_and_backward_tokens(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    await run_two_jobs(emulator, sagemaker)
    streams = await logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="job-a/")
    stream = streams["logStreams"][0]["logStreamName"]
    everything = await logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream, startFromHead=True
    )
    messages = [e["message"] for e in everything["events"]]
    stamps = [e["timestamp"] for e in everything["events"]]
    assert stamps == sorted(stamps)
    assert messages[0].startswith("Downloading")
    assert any(m.startswith("[step 1] progress") for m in messages)
    assert messages[-1] == "Job completed successfully"

    collected: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"nextToken": token} if token else {"startFromHead": True}
        page = await logs.get_log_events(
            logGroupName=GROUP, logStreamName=stream, limit=4, **kwargs
        )
        if not page["events"]:
            break
        collected += [e["message"] for e in page["events"]]
        token = page["nextForwardToken"]
    assert collected == messages

    tail = await logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=3)
    assert [e["message"] for e in tail["events"]] == messages[-3:]
    before = await logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream, limit=3, nextToken=tail["nextBackwardToken"]
    )
    assert [e["message"] for e in before["events"]] == messages[-6:-3]


async def test_filter_log_events_pages_through_every_stream_in_time_order(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    await run_two_jobs(emulator, sagemaker)
    whole = await logs.filter_log_events(logGroupName=GROUP)
    assert "nextToken" not in whole
    assert {e["logStreamName"].split("/")[0] for e in whole["events"]} == {"job-a", "job-b"}

    paged: list[dict[str, Any]] = []
    token = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"nextToken": token} if token else {}
        page = await logs.filter_log_events(logGroupName=GROUP, limit=5, **kwargs)
        paged += page["events"]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert pages > 2
    assert [e["eventId"] for e in paged] == [e["eventId"] for e in whole["events"]]
    stamps = [e["timestamp"] for e in paged]
    assert stamps == sorted(stamps)


async def test_filter_pattern_and_stream_selection(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    await run_two_jobs(emulator, sagemaker)
    progress = await logs.filter_log_events(logGroupName=GROUP, filterPattern="progress")
    assert progress["events"]
    assert all("progress" in e["message"] for e in progress["events"])
    only_b = await logs.filter_log_events(
        logGroupName=GROUP, logStreamNamePrefix="job-b", filterPattern='"Job completed"'
    )
    assert [e["logStreamName"].split("/")[0] for e in only_b["events"]] == ["job-b", "job-b"]


async def test_missing_stream_and_failed_job_logs(
    emulator: RunningEmulator, sagemaker: Any, logs: Any
) -> None:
    emulator.control.fail("job-a", reason="AlgorithmError: boom")
    await run_two_jobs(emulator, sagemaker)
    errors = await logs.filter_log_events(logGroupName=GROUP, filterPattern="ERROR")
    assert [e["message"] for e in errors["events"]] == ["ERROR - AlgorithmError: boom"] * 2
    with pytest.raises(ClientError) as caught:
        await logs.get_log_events(logGroupName=GROUP, logStreamName="nope")
    assert caught.value.response["Error"]["Message"] == "The specified log stream does not exist."


async def test_events_with_chosen_timestamps_and_a_page_cap(
    emulator: RunningEmulator, logs: Any
) -> None:
    control = emulator.control
    stream = "job-c/algo-2-1"
    events = [{"timestamp": 1_000 + i // 3, "message": f"m{i}"} for i in range(10)]
    control.put_log_events(GROUP, stream, events)
    assert [e["message"] for e in control.log_events(GROUP, "job-c/")] == [
        f"m{i}" for i in range(10)
    ]
    control.set_log_page_limit(4)
    page = await logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream, startFromHead=True, limit=100
    )
    assert [e["message"] for e in page["events"]] == ["m0", "m1", "m2", "m3"]
    rest = await logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream, nextToken=page["nextForwardToken"]
    )
    assert [e["message"] for e in rest["events"]] == ["m4", "m5", "m6", "m7"]
    # A time window is found by bisection, its bounds included.
    window = await logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream, startFromHead=True, startTime=1_001, endTime=1_002
    )
    assert [e["message"] for e in window["events"]] == ["m3", "m4", "m5", "m6"]
    filtered = await logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix="job-c/")
    assert len(filtered["events"]) == 4
    assert "nextToken" in filtered
    control.set_log_page_limit(None)
    everything = await logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix="job-c/")
    assert len(everything["events"]) == 10
    with pytest.raises(ValueError, match="page_limit"):
        control.set_log_page_limit(0)
