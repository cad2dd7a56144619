"""Never two SageMaker jobs for one resource, whatever dies when; never someone else's job."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from local_cluster import ControlPlane
from local_stack.processes import start_operator
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample, status_of


async def training_jobs_named(emulator: RunningEmulator, prefix: str) -> list[str]:
    async with emulator.client("sagemaker") as sagemaker:
        listed = await sagemaker.list_training_jobs(NameContains=prefix, MaxResults=100)
    return [job["TrainingJobName"] for job in listed["TrainingJobSummaries"]]


async def operator_process(
    plane: ControlPlane, emulator: RunningEmulator, namespace: str, log: Path
) -> asyncio.subprocess.Process:
    """The real `sagemaker-operator` command, as a pod would run it."""
    return await start_operator(
        plane.kubeconfig, emulator.url, log,
        "--namespace", namespace,
        "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0",
        "--job-poll-interval", "0.3",
        "--log-level", "warning",
    )  # fmt: skip


async def test_operator_killed_between_create_and_status_write(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane, tmp_path: Path
) -> None:
    # The emulator holds the create for a while before it handles it (and handles it even
    # when the caller has gone), so the operator can be killed with its create in flight.
    emulator.control.inject("latency", operation="CreateTrainingJob", latency=2.5, times=1)
    await kube.create(sample("TrainingJob", "crashy"))
    first = await operator_process(sagemaker_crds, emulator, kube.namespace, tmp_path / "1.log")
    try:
        async with asyncio.timeout(60):
            while emulator.control.requests.arrived["CreateTrainingJob"] == 0:
                await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    # The emulator handles the create although its caller is gone: the job now exists.
    async with asyncio.timeout(30):
        while emulator.control.requests.count(operation="CreateTrainingJob") == 0:
            await asyncio.sleep(0.05)
    before = await kube.get("TrainingJob", "crashy")
    assert before is not None
    assert status_of("trainingJobStatus")(before) is None, "status was written before the kill"

    second = await operator_process(sagemaker_crds, emulator, kube.namespace, tmp_path / "2.log")
    try:
        done = await kube.wait_for_status("TrainingJob", "crashy", "Completed", seconds=60)
    finally:
        second.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await second.wait()
    assert await training_jobs_named(emulator, "crashy-") == [
        done["status"]["sageMakerTrainingJobName"]
    ]


async def test_create_whose_response_is_lost(kube: Kube, emulator: RunningEmulator) -> None:
    emulator.control.inject("drop_response", operation="CreateTrainingJob", times=1)
    await kube.create(sample("TrainingJob", "lost"))
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status("TrainingJob", "lost", "Completed")
    # The retry describes first (the finalizer says the resource was taken up before) and
    # finds the job the lost create made: one create in all.
    assert emulator.control.requests.count(operation="CreateTrainingJob") == 1
    assert await training_jobs_named(emulator, "lost-") == [
        done["status"]["sageMakerTrainingJobName"]
    ]
    synced = {c["type"]: c for c in done["status"]["conditions"]}["Synced"]
    assert synced["status"] == "True"
    # The lost answer was a transient error: reported once as an Event, never as Failed.
    warnings = [e for e in await kube.events("lost") if e.type == "Warning"]
    assert len(warnings) == 1, [(e.reason, e.message) for e in warnings]
    assert "Connection" in warnings[0].reason


async def _foreign_job(emulator: RunningEmulator, name: str, body: dict[str, Any]) -> None:
    spec = body["spec"]
    async with emulator.client("sagemaker") as sagemaker:
        await sagemaker.create_training_job(
            TrainingJobName=name,
            RoleArn=spec["roleArn"],
            AlgorithmSpecification={
                "TrainingImage": spec["algorithmSpecification"]["trainingImage"],
                "TrainingInputMode": "File",
            },
            OutputDataConfig={"S3OutputPath": spec["outputDataConfig"]["s3OutputPath"]},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1,
                            "VolumeSizeInGB": 5},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            Tags=[{"Key": "team", "Value": "someone-else"}],
        )  # fmt: skip


async def test_foreign_job_is_not_taken_over(kube: Kube, emulator: RunningEmulator) -> None:
    body = sample("TrainingJob", "intruder", trainingJobName="someone-elses-job")
    await _foreign_job(emulator, "someone-elses-job", body)
    await kube.create(body)
    async with running_operator(kube, emulator.url):
        refused = await kube.wait_for_status("TrainingJob", "intruder", "Failed")
        assert "sagemaker.aws.amazon.com/adopt=true" in refused["status"]["additional"]
        # Deleting the refused resource must leave the foreign job running.
        await kube.delete("TrainingJob", "intruder")
        await kube.wait_for("TrainingJob", "intruder", lambda o: o is None, what="deletion")
    assert emulator.control.requests.count(operation="StopTrainingJob") == 0
    warnings = [e.reason for e in await kube.events("intruder") if e.type == "Warning"]
    assert "Failed" in warnings


async def test_foreign_job_is_adopted_when_annotated(kube: Kube, emulator: RunningEmulator) -> None:
    body = sample("TrainingJob", "adopter", trainingJobName="legacy-job")
    body["metadata"]["annotations"] = {"sagemaker.aws.amazon.com/adopt": "true"}
    await _foreign_job(emulator, "legacy-job", body)
    await kube.create(body)
    async with running_operator(kube, emulator.url):
        adopted = await kube.wait_for_status("TrainingJob", "adopter", "Completed")
    assert adopted["status"]["sageMakerTrainingJobName"] == "legacy-job"
    assert await training_jobs_named(emulator, "legacy-job") == ["legacy-job"]


async def test_refused_job_is_adopted_once_annotated(kube: Kube, emulator: RunningEmulator) -> None:
    body = sample("TrainingJob", "latecomer", trainingJobName="older-job")
    await _foreign_job(emulator, "older-job", body)
    await kube.create(body)
    async with running_operator(kube, emulator.url):
        await kube.wait_for_status("TrainingJob", "latecomer", "Failed")
        # Do what the refusal says: annotate the resource to adopt the job.
        await kube.objects.patch_namespaced_custom_object(
            "sagemaker.aws.amazon.com", "v1", kube.namespace, "trainingjobs", "latecomer",
            {"metadata": {"annotations": {"sagemaker.aws.amazon.com/adopt": "true"}}},
            _content_type="application/merge-patch+json",
        )  # fmt: skip
        adopted = await kube.wait_for_status("TrainingJob", "latecomer", "Completed")
    conditions = {c["type"]: c["status"] for c in adopted["status"]["conditions"]}
    assert conditions == {"Synced": "True", "Complete": "True", "Failed": "False"}
    assert "additional" not in adopted["status"]
    assert await training_jobs_named(emulator, "older-job") == ["older-job"]
