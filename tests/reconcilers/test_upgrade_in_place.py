"""Upgrading in place from the old operator: its jobs are taken over, none is started
twice, none is failed, each is tagged; a job someone else owns is still refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.reconcilers.hosting import condition
from tests.reconcilers.old_operator import OLD_JOBS, OldJob, old_job, tags_of
from tests.reconcilers.test_job_lifecycle import CASES, prepare

OWNER_TAG = "sagemaker.k8s.aws/owner-uid"


def verified(obj: dict[str, Any] | None, field: str, value: str) -> bool:
    """Our status: the SageMaker state, with observedGeneration (which the old one lacked)."""
    status = (obj or {}).get("status") or {}
    return status.get(field) == value and "observedGeneration" in status


@pytest.mark.parametrize("job", OLD_JOBS, ids=[job.kind for job in OLD_JOBS])
async def test_running_and_finished_jobs_are_taken_over(
    kube: Kube, emulator: RunningEmulator, job: OldJob
) -> None:
    await prepare(emulator, next(case for case in CASES if case.kind == job.kind))
    _, finished_name = await old_job(kube, emulator, job, "finished-before")
    async with emulator.client("sagemaker") as sagemaker:
        describe = getattr(sagemaker, job.describe())
        async with asyncio.timeout(30):
            while (await describe(**{f"{job.noun}Name": finished_name}))[
                f"{job.noun}Status"
            ] != "Completed":
                await asyncio.sleep(0.1)
    emulator.control.set_timings(
        training_training=1e6, transform_running=1e6, processing_running=1e6
    )
    _, running_name = await old_job(kube, emulator, job, "still-running")
    emulator.control.reset_requests()

    async with running_operator(kube, emulator.url):
        done = await kube.wait_for(
            job.kind, "finished-before", lambda o: verified(o, job.status_field, "Completed")
        )
        going = await kube.wait_for(
            job.kind, "still-running", lambda o: verified(o, job.status_field, "InProgress")
        )
    requests = emulator.control.requests
    assert requests.count(operation=job.create) == 0
    for resource, name in ((done, finished_name), (going, running_name)):
        assert resource is not None
        assert resource["status"][job.name_field] == name
        assert condition(resource, "Failed")["status"] == "False"
        assert "Adopted" in [e.reason for e in await kube.events(resource["metadata"]["name"])]
        async with emulator.client("sagemaker") as sagemaker:
            described = await getattr(sagemaker, job.describe())(**{f"{job.noun}Name": name})
        arn = described[f"{job.noun}Arn"]
        assert (await tags_of(emulator, arn))[OWNER_TAG] == resource["metadata"]["uid"]


async def test_a_tuning_job_whose_status_was_never_written_is_not_started_twice(
    kube: Kube, emulator: RunningEmulator
) -> None:
    job = next(job for job in OLD_JOBS if job.kind == "HyperparameterTuningJob")
    created, name = await old_job(kube, emulator, job, "unwritten", status_written=False)
    assert name == created["metadata"]["uid"].replace("-", "")  # the old 32-character name
    emulator.control.reset_requests()
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status(job.kind, "unwritten", "Completed", seconds=60)
    assert done["status"][job.name_field] == name
    assert emulator.control.requests.count(operation=job.create) == 0


async def test_a_job_under_our_name_tagged_for_someone_else_is_refused(
    kube: Kube, emulator: RunningEmulator
) -> None:
    job = OLD_JOBS[0]
    _, name = await old_job(kube, emulator, job, "contested", status_written=False)
    async with emulator.client("sagemaker") as sagemaker:
        described = await sagemaker.describe_training_job(TrainingJobName=name)
        await sagemaker.add_tags(
            ResourceArn=described["TrainingJobArn"],
            Tags=[{"Key": OWNER_TAG, "Value": "another-resource"}],
        )
    async with running_operator(kube, emulator.url):
        refused = await kube.wait_for_status(job.kind, "contested", "Failed")
    assert "another-resource" in refused["status"]["additional"]
    assert condition(refused, "Failed")["reason"] == "NotOwned"


async def test_a_job_the_old_operator_left_mid_delete_is_stopped_and_released(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.set_timings(training_training=1e6)
    job = OLD_JOBS[0]
    _, name = await old_job(kube, emulator, job, "half-deleted")
    await kube.delete(job.kind, "half-deleted")  # the finalizer holds it
    held = await kube.get(job.kind, "half-deleted")
    assert held is not None
    assert held["metadata"].get("deletionTimestamp")
    async with running_operator(kube, emulator.url):
        await kube.wait_for(job.kind, "half-deleted", lambda o: o is None, what="deletion")
    async with emulator.client("sagemaker") as sagemaker:
        described = await sagemaker.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobStatus"] == "Stopped"
    assert emulator.control.requests.count(operation="StopTrainingJob") == 1


async def test_a_fresh_resource_still_creates_at_once(
    kube: Kube, emulator: RunningEmulator
) -> None:
    # No finalizer yet: nobody took it up, so no describe before the create.
    await kube.create(sample("TrainingJob", "fresh"))
    async with running_operator(kube, emulator.url):
        await kube.wait_for_status("TrainingJob", "fresh", "InProgress")
    first = emulator.control.requests.entries()[0]
    assert first.operation == "CreateTrainingJob"
