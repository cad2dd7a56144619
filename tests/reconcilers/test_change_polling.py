"""Running jobs are polled by what changed: one List per tick, and only a job the list says
changed or cannot vouch for is woken, reconciled and described. Calls are counted in the
emulator's request log, reconciles by wrapping the controller's reconciler."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest_asyncio

from controller.reconcile import Reconciler, Result
from controller.resources import ObjectKey
from sagemaker_emulator.testing import RunningEmulator, running_emulator
from tests.reconcilers.harness import Kube, RunningOperator, running_operator, sample

DESCRIBE, LIST = "DescribeTrainingJob", "ListTrainingJobs"
# Each job holds in Training for good, a second after it starts.
HOLD = {"training_starting": 0.5, "training_downloading": 0.5, "training_training": 1e6}
POLLS = 12  # how many poll intervals a quiet stretch lasts


@pytest_asyncio.fixture(loop_scope="session")
async def realtime() -> AsyncIterator[RunningEmulator]:
    """An emulator whose clock runs at this machine's pace, as SageMaker's does, so a list
    after a time returns only what changed since (the shared one runs 150 times faster)."""
    async with running_emulator(time_scale=1.0) as emu:
        emu.control.set_timings(job_stopping=0.5, **HOLD)
        yield emu


async def start_training(kube: Kube, names: list[str]) -> None:
    for name in names:
        await kube.create(sample("TrainingJob", name))


async def all_training(kube: Kube, names: list[str]) -> dict[str, str]:
    """Wait until every job's status says Training; their SageMaker names."""
    found = {}
    for name in names:
        obj = await kube.wait_for(
            "TrainingJob",
            name,
            lambda o: ((o or {}).get("status") or {}).get("secondaryStatus") == "Training",
            what="secondaryStatus=Training",
        )
        assert obj is not None
        found[name] = obj["status"]["sageMakerTrainingJobName"]
    return found


async def quiet(operator: RunningOperator, polls: int = POLLS) -> None:
    await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * polls)


def describes(emulator: RunningEmulator, sagemaker_name: str) -> int:
    return emulator.control.requests.count(operation=DESCRIBE, resource=sagemaker_name)


class CountingReconciler:
    """The trainingjob controller's reconciler, counting the reconciles of each resource."""

    def __init__(self, inner: Reconciler) -> None:
        self.inner = inner
        self.counts: Counter[str] = Counter()

    async def reconcile(self, key: ObjectKey) -> Result:
        self.counts[key.name] += 1
        return await self.inner.reconcile(key)


def count_reconciles(operator: RunningOperator) -> CountingReconciler:
    controller = next(c for c in operator.manager.controllers if c.name == "trainingjob")
    counting = CountingReconciler(controller.reconciler)
    controller.reconciler = counting
    return counting


async def test_only_the_job_that_changed_is_described(
    kube: Kube, realtime: RunningEmulator
) -> None:
    await start_training(kube, ["steady", "moving"])
    async with running_operator(kube, realtime.url) as operator:
        names = await all_training(kube, ["steady", "moving"])
        await quiet(operator, 3)  # past each job's first sight
        reconciles = count_reconciles(operator)
        realtime.control.reset_requests()
        await quiet(operator)
        assert describes(realtime, names["steady"]) == 0
        assert describes(realtime, names["moving"]) == 0
        # The ticker listed at every tick, and neither job cost even a reconcile (its own
        # requeue is the safety net of the drift interval, 600 s away).
        assert realtime.control.requests.count(operation=LIST) >= POLLS // 2
        assert reconciles.counts == Counter()

        # Behind the operator's back: the job is stopped in SageMaker. Nothing in Kubernetes
        # moves, so only the ticker can put its key in the work queue.
        async with realtime.client("sagemaker") as sagemaker:
            await sagemaker.stop_training_job(TrainingJobName=names["moving"])
        await kube.wait_for_status("TrainingJob", "moving", "Stopped")
        await quiet(operator)

    assert describes(realtime, names["steady"]) == 0
    assert reconciles.counts["steady"] == 0
    assert reconciles.counts["moving"] >= 1
    # One describe per change it went through (Stopping, Stopped), none in between.
    assert 1 <= describes(realtime, names["moving"]) <= 2
    # Described within one tick: the ticker's list that saw the change, and at most one
    # before it (under way during the stop) or one more, come between the stop and its
    # describe.
    entries = realtime.control.requests.entries()
    stopped = next(i for i, e in enumerate(entries) if e.operation == "StopTrainingJob")
    seen = next(
        i
        for i, e in enumerate(entries)
        if i > stopped and e.operation == DESCRIBE and e.resource == names["moving"]
    )
    assert sum(1 for e in entries[stopped:seen] if e.operation == LIST) <= 3


async def test_a_failing_list_falls_back_to_describe_and_recovers(
    kube: Kube, realtime: RunningEmulator
) -> None:
    await start_training(kube, ["steady"])
    async with running_operator(kube, realtime.url) as operator:
        names = await all_training(kube, ["steady"])
        await quiet(operator, 3)
        fault = realtime.control.inject("http500", operation=LIST)
        realtime.control.reset_requests()
        await quiet(operator)
        # Nothing vouches for the job while the list fails: it is described at each poll.
        assert describes(realtime, names["steady"]) >= POLLS // 2
        realtime.control.remove_fault(fault)
        await quiet(operator, 3)
        realtime.control.reset_requests()
        await quiet(operator)
    assert describes(realtime, names["steady"]) == 0


async def test_a_truncated_list_falls_back_to_describe(
    kube: Kube, emulator: RunningEmulator
) -> None:
    # The shared emulator's clock runs 150 times faster than this one: every job was
    # modified "after" any time the operator asks about, so every list names every job.
    emulator.control.set_timings(training_training=1e6)
    await start_training(kube, ["first", "second"])
    async with running_operator(kube, emulator.url) as operator:
        names = await all_training(kube, ["first", "second"])
        # One page of one job: every list is truncated.
        operator.runtime.changes.page_size = 1
        operator.runtime.changes.max_pages = 1
        emulator.control.reset_requests()
        await quiet(operator)
    for name in names.values():
        assert describes(emulator, name) >= POLLS // 2, name


async def test_a_restart_describes_every_running_job_once(
    kube: Kube, realtime: RunningEmulator
) -> None:
    jobs = ["one", "two", "three"]
    await start_training(kube, jobs)
    async with running_operator(kube, realtime.url) as operator:
        names = await all_training(kube, jobs)
        await quiet(operator, 3)
    realtime.control.reset_requests()
    async with running_operator(kube, realtime.url) as operator:
        await quiet(operator)
        for name in jobs:
            assert describes(realtime, names[name]) == 1, name
        assert realtime.control.requests.count(operation=LIST) >= POLLS // 2


async def test_a_woken_job_goes_ahead_of_a_burst_of_creates(
    kube: Kube, realtime: RunningEmulator
) -> None:
    # A budget of 4 requests a second and 16 workers: while the burst is being created,
    # about 16 creates wait for the budget at any time.
    budget = {"default_sagemaker_requests_per_second": 4.0, "default_concurrency": 16}
    await start_training(kube, ["running"])
    async with running_operator(kube, realtime.url, **budget) as operator:
        names = await all_training(kube, ["running"])
        await quiet(operator, 3)
        burst = [f"burst-{i:02d}" for i in range(48)]
        await start_training(kube, burst)
        while realtime.control.requests.count(operation="CreateTrainingJob") < 8:
            await asyncio.sleep(0.05)
        async with realtime.client("sagemaker") as sagemaker:
            await sagemaker.stop_training_job(TrainingJobName=names["running"])
        await kube.wait_for_status("TrainingJob", "running", "Stopped")
        entries = realtime.control.requests.entries()
        created = realtime.control.requests.count(operation="CreateTrainingJob")
    stopped = next(i for i, e in enumerate(entries) if e.operation == "StopTrainingJob")
    seen = next(
        i
        for i, e in enumerate(entries)
        if i > stopped and e.operation == DESCRIBE and e.resource == names["running"]
    )
    # The ticker's list and the woken job's describe each went ahead of the creates waiting
    # for the budget: only the few granted before them came in between (about 30 without
    # the first lane), and the burst was still being created when the status said Stopped.
    creates = sum(1 for e in entries[stopped:seen] if e.operation == "CreateTrainingJob")
    assert creates <= 6, creates
    assert created < len(burst), created
