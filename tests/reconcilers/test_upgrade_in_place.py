"""Upgrading in place from the old operator: its jobs are taken over, none is started
twice, none is failed, each is tagged; a job someone else owns is still refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.reconcilers.hosting import condition, referenced, sagemaker_names, uid_of
from tests.reconcilers.old_operator import (
    OLD_JOBS,
    OldJob,
    old_hosting_deployment,
    old_job,
    tags_of,
)
from tests.reconcilers.test_hosting_lifecycle import patch_spec
from tests.reconcilers.test_hosting_updates import IMAGE, new_image, settled
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


async def test_a_hosting_deployment_is_taken_over_then_rolled_forward(
    kube: Kube, emulator: RunningEmulator
) -> None:
    old = await old_hosting_deployment(kube, emulator, "legacy")
    emulator.control.reset_requests()

    async with running_operator(kube, emulator.url):
        taken = await kube.wait_for(
            "HostingDeployment", "legacy", lambda o: verified(o, "endpointStatus", "InService")
        )
        for kind, child in (("Model", old.model), ("EndpointConfig", old.config)):
            await kube.wait_for(
                kind, child["metadata"]["name"], lambda o: verified(o, "status", "Created")
            )
        # Taken over as it serves: nothing created, nothing redeployed.
        requests = emulator.control.requests
        assert sum(requests.count(operation=op) for op in (
            "CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint",
        )) == 0  # fmt: skip
        assert taken is not None
        assert condition(taken, "Ready")["status"] == "True"
        assert "Adopted" in [e.reason for e in await kube.events("legacy")]
        for arn, owner in old.arns_and_owners():
            assert (await tags_of(emulator, arn))[OWNER_TAG] == owner["metadata"]["uid"]

        # The next spec change rolls it forward as ours, and the old objects go.
        await patch_spec(kube, "HostingDeployment", "legacy", new_image(taken, IMAGE))
        rolled = await kube.wait_for(
            "HostingDeployment", "legacy", settled(2, old.config_name), seconds=60
        )
        await old.wait_children_gone(kube)
    assert rolled is not None
    assert await sagemaker_names(emulator, uid_of(old.hosting)) == referenced(rolled)
    assert await old.sagemaker_leftovers(emulator) == []


async def test_a_hosting_deployment_the_old_operator_left_mid_delete_is_cleaned_up(
    kube: Kube, emulator: RunningEmulator
) -> None:
    old = await old_hosting_deployment(kube, emulator, "going")
    await kube.delete("HostingDeployment", "going")  # the finalizer holds it
    async with running_operator(kube, emulator.url):
        await kube.wait_for("HostingDeployment", "going", lambda o: o is None, seconds=60)
        await old.wait_children_gone(kube)
    assert await old.sagemaker_leftovers(emulator) == []
    assert (await sagemaker_names(emulator, old.endpoint_name))["Endpoint"] == []
