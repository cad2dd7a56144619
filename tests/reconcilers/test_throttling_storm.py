"""A burst of jobs through a throttling, flaky SageMaker: all complete, none Failed, in budget."""

from __future__ import annotations

import asyncio
from bisect import bisect_right

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample

JOBS = 200
BUDGET = 60.0  # requests per second; the bucket's burst equals one second's worth


async def test_two_hundred_jobs_survive_throttling_and_server_errors(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.inject("throttle", rate=0.30)
    emulator.control.inject("http500", rate=0.03)
    emulator.control.inject("http503", rate=0.02)
    names = [f"storm-{i:03d}" for i in range(JOBS)]
    await asyncio.gather(*(kube.create(sample("TrainingJob", name)) for name in names))

    async with running_operator(
        kube,
        emulator.url,
        job_poll_interval_seconds=1.0,
        default_sagemaker_requests_per_second=BUDGET,
        default_concurrency=8,
        # A key that fails many times in a row must not wait minutes in a test.
        max_retry_backoff_seconds=2.0,
    ):
        async with asyncio.timeout(240):
            while True:
                items = await kube.list_items("TrainingJob")
                statuses = [(i.get("status") or {}).get("trainingJobStatus") for i in items]
                assert "Failed" not in statuses, "a transient error marked a job Failed"
                if statuses.count("Completed") == JOBS:
                    break
                await asyncio.sleep(1.0)

    for item in items:
        synced = {c["type"]: c["status"] for c in item["status"]["conditions"]}
        assert synced == {"Synced": "True", "Complete": "True", "Failed": "False"}
    errors = emulator.control.requests.by_error
    assert errors["ThrottlingException"] > 0, "the faults never fired; the test proves nothing"
    assert errors["InternalFailure"] + errors["ServiceUnavailable"] > 0

    # The token bucket lets `rate * window + burst` requests leave in any window. The
    # emulator stamps a request when it has handled it, so queueing on this busy machine can
    # bunch arrivals: allow one more second's worth for that, no more.
    stamps = sorted(entry.at for entry in emulator.control.requests.entries())
    window = 10.0
    busiest = max(bisect_right(stamps, t + window) - i for i, t in enumerate(stamps))
    assert busiest <= BUDGET * (window + 1) + BUDGET, f"{busiest} requests in {window}s"
    assert len(stamps) / (stamps[-1] - stamps[0]) <= BUDGET * 1.05
