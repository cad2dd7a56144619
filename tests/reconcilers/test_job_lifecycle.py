"""Each job kind end to end: real apiserver, real emulator, the operator in-process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from local_cluster import ControlPlane
from local_cluster.audit import status_writes
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.tools import kubectl


@dataclass(frozen=True)
class JobCase:
    kind: str
    name_field: str
    status_name_field: str
    describe: str
    name_param: str
    describe_status: str

    @property
    def stop(self) -> str:
        return self.describe.replace("Describe", "Stop", 1)


CASES = [
    JobCase("TrainingJob", "trainingJobName", "sageMakerTrainingJobName",
            "DescribeTrainingJob", "TrainingJobName", "TrainingJobStatus"),
    JobCase("HyperparameterTuningJob", "hyperParameterTuningJobName",
            "sageMakerHyperParameterTuningJobName", "DescribeHyperParameterTuningJob",
            "HyperParameterTuningJobName", "HyperParameterTuningJobStatus"),
    JobCase("BatchTransformJob", "transformJobName",
            "sageMakerTransformJobName", "DescribeTransformJob", "TransformJobName",
            "TransformJobStatus"),
    JobCase("ProcessingJob", "processingJobName",
            "sageMakerProcessingJobName", "DescribeProcessingJob", "ProcessingJobName",
            "ProcessingJobStatus"),
]  # fmt: skip
IDS = [case.kind for case in CASES]
# Long enough that a job is still running when the test deletes it.
SLOW = {
    "training_training": 1e6,
    "transform_running": 1e6,
    "processing_running": 1e6,
}


async def prepare(emulator: RunningEmulator, case: JobCase) -> None:
    """What SageMaker needs before the job: a transform job runs an existing model."""
    if case.kind != "BatchTransformJob":
        return
    model = sample("BatchTransformJob", "unused")["spec"]["modelName"]
    async with emulator.client("sagemaker") as sagemaker:
        await sagemaker.create_model(
            ModelName=model,
            ExecutionRoleArn="arn:aws:iam::123456789012:role/service-role/SageMakerRole",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        )


def conditions(obj: dict[str, Any] | None) -> dict[str, str]:
    found = ((obj or {}).get("status") or {}).get("conditions") or []
    return {c["type"]: c["status"] for c in found}


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_job_runs_to_completed(kube: Kube, emulator: RunningEmulator, case: JobCase) -> None:
    await prepare(emulator, case)
    created = await kube.create(sample(case.kind, "happy"))
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status(case.kind, "happy", "Completed")
    status = done["status"]
    uid = created["metadata"]["uid"].replace("-", "")
    name = status[case.status_name_field]
    # Named as the old operator named it: <name>-<uid>, or for a tuning job (32 characters)
    # the uid alone.
    assert name == (uid if case.kind == "HyperparameterTuningJob" else f"happy-{uid}")
    assert conditions(done) == {"Synced": "True", "Complete": "True", "Failed": "False"}
    assert status["observedGeneration"] == done["metadata"]["generation"]
    assert "sagemaker-operator-finalizer" in done["metadata"]["finalizers"]
    if case.kind == "TrainingJob":
        output = done["spec"]["outputDataConfig"]["s3OutputPath"].rstrip("/")
        # SageMaker's ModelArtifacts.S3ModelArtifacts, as the old operator reported it.
        assert status["modelPath"] == f"{output}/{name}/output/model.tar.gz"
        assert status["cloudWatchLogUrl"].endswith(
            f"prefix={name};streamFilter=typeLogStreamPrefix"
        )
        assert status["secondaryStatus"] == "Completed"
    reasons = [event.reason for event in await kube.events("happy")]
    assert "InProgress" in reasons
    assert "Completed" in reasons


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_job_failure_reason_reaches_status(
    kube: Kube, emulator: RunningEmulator, case: JobCase
) -> None:
    await prepare(emulator, case)
    sagemaker_name = f"doomed-{case.kind.lower()[:12]}"
    emulator.control.fail(sagemaker_name, reason="AlgorithmError: out of memory")
    await kube.create(sample(case.kind, "doomed", **{case.name_field: sagemaker_name}))
    async with running_operator(kube, emulator.url):
        failed = await kube.wait_for_status(case.kind, "doomed", "Failed")
    assert "AlgorithmError: out of memory" in failed["status"]["additional"]
    assert failed["status"][case.status_name_field] == sagemaker_name
    assert conditions(failed)["Failed"] == "True"
    assert conditions(failed)["Complete"] == "False"
    warnings = [e for e in await kube.events("doomed") if e.type == "Warning"]
    assert any("out of memory" in e.message for e in warnings)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_delete_while_running_stops_the_job(
    kube: Kube, emulator: RunningEmulator, case: JobCase
) -> None:
    await prepare(emulator, case)
    emulator.control.set_timings(**SLOW)
    await kube.create(sample(case.kind, "stopme"))
    async with running_operator(kube, emulator.url):
        running = await kube.wait_for_status(case.kind, "stopme", "InProgress")
        name = running["status"][case.status_name_field]
        await kube.delete(case.kind, "stopme")
        await kube.wait_for(case.kind, "stopme", lambda o: o is None, what="deletion")
    async with emulator.client("sagemaker") as sagemaker:
        described = await getattr(sagemaker, _snake(case.describe))(**{case.name_param: name})
    assert described[case.describe_status] == "Stopped"
    assert emulator.control.requests.count(operation=case.stop, resource=name) == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_delete_after_completion_releases_at_once(
    kube: Kube, emulator: RunningEmulator, case: JobCase
) -> None:
    await prepare(emulator, case)
    await kube.create(sample(case.kind, "finished"))
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status(case.kind, "finished", "Completed")
        name = done["status"][case.status_name_field]
        emulator.control.reset_requests()
        await kube.delete(case.kind, "finished")
        await kube.wait_for(case.kind, "finished", lambda o: o is None, seconds=5, what="deletion")
    assert emulator.control.requests.count(operation=case.stop, resource=name) == 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_kubectl_wait_for_complete_returns(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane, case: JobCase
) -> None:
    await prepare(emulator, case)
    await kube.create(sample(case.kind, "waited"))
    async with running_operator(kube, emulator.url):
        waited = await kubectl(
            sagemaker_crds,
            "wait",
            "--for=condition=Complete",
            "--timeout=60s",
            "-n",
            kube.namespace,
            f"{case.kind.lower()}/waited",
        )
    waited.check()
    assert "condition met" in waited.stdout


async def test_finished_job_costs_no_call_and_no_write(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    await kube.create(sample("TrainingJob", "quiet"))
    async with running_operator(kube, emulator.url) as operator:
        done = await kube.wait_for_status("TrainingJob", "quiet", "Completed")
        name = done["status"]["sageMakerTrainingJobName"]
        emulator.control.reset_requests()
        writes_before = status_writes(
            sagemaker_crds.audit_log, "trainingjobs", kube.namespace, "quiet"
        )
        poll = operator.manager.options.job_poll_interval_seconds
        # Touch the resource so the informer delivers it again, then wait many poll intervals.
        await kube.objects.patch_namespaced_custom_object(
            "sagemaker.aws.amazon.com",
            "v1",
            kube.namespace,
            "trainingjobs",
            "quiet",
            {"metadata": {"labels": {"touched": "yes"}}},
            _content_type="application/merge-patch+json",
        )
        await asyncio.sleep(poll * 10)
    assert emulator.control.requests.count(resource=name) == 0
    assert (
        status_writes(sagemaker_crds.audit_log, "trainingjobs", kube.namespace, "quiet")
        == writes_before
    )


def _snake(operation: str) -> str:
    from botocore import xform_name

    return str(xform_name(operation))


async def test_a_rejected_create_fails_once_and_is_not_retried(
    kube: Kube, emulator: RunningEmulator
) -> None:
    # No model exists for the transform job: SageMaker rejects the create (terminal).
    await kube.create(sample("BatchTransformJob", "no-model"))
    async with running_operator(kube, emulator.url) as operator:
        failed = await kube.wait_for_status("BatchTransformJob", "no-model", "Failed")
        await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 10)
    assert "Could not find model" in failed["status"]["additional"]
    conditions_by_type = {c["type"]: c for c in failed["status"]["conditions"]}
    assert conditions_by_type["Failed"]["status"] == "True"
    assert conditions_by_type["Failed"]["reason"] == "ValidationException"
    assert conditions_by_type["Synced"]["status"] == "False"
    # One rejected create, then nothing: no hot loop on a request that cannot succeed.
    assert emulator.control.requests.count(operation="CreateTransformJob") == 1
    assert emulator.control.requests.total == 1


async def test_retain_leaves_the_job_running(kube: Kube, emulator: RunningEmulator) -> None:
    emulator.control.set_timings(**SLOW)
    body = sample("TrainingJob", "keepme")
    body["metadata"]["annotations"] = {"sagemaker.aws.amazon.com/retain": "true"}
    await kube.create(body)
    async with running_operator(kube, emulator.url):
        running = await kube.wait_for_status("TrainingJob", "keepme", "InProgress")
        name = running["status"]["sageMakerTrainingJobName"]
        await kube.delete("TrainingJob", "keepme")
        await kube.wait_for("TrainingJob", "keepme", lambda o: o is None, what="deletion")
    async with emulator.client("sagemaker") as sagemaker:
        described = await sagemaker.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobStatus"] == "InProgress"
    assert emulator.control.requests.count(operation="StopTrainingJob") == 0
