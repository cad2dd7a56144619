"""The operator's own credentials failing, and jobs gone from SageMaker: nothing is failed,
nothing is run twice, and the status says who should do what."""

from __future__ import annotations

import asyncio
from typing import Any

from sagemaker_emulator.testing import RunningEmulator, running_emulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.reconcilers.hosting import condition

SLOW = {"training_training": 1e6}  # a job that runs until the test is done with it


def synced_reason(reason: str) -> Any:
    def check(obj: dict[str, Any] | None) -> bool:
        if not (obj or {}).get("status", {}).get("conditions"):
            return False
        synced = condition(obj, "Synced")
        return bool(synced["status"] == "False" and synced["reason"] == reason)

    return check


def failed_calls(emulator: RunningEmulator, operation: str, code: str) -> int:
    return sum(
        1
        for entry in emulator.control.requests.entries()
        if entry.operation == operation and entry.error_code == code
    )


async def test_expired_credentials_never_fail_a_running_job(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.set_timings(**SLOW)
    await kube.create(sample("TrainingJob", "patient"))
    async with running_operator(kube, emulator.url):
        await kube.wait_for_status("TrainingJob", "patient", "InProgress")
        fault = emulator.control.inject("expired_token", operation="DescribeTrainingJob")
        refused = await kube.wait_for(
            "TrainingJob", "patient", synced_reason("ExpiredTokenException"), what="Synced=False"
        )
        assert refused is not None
        assert refused["status"]["trainingJobStatus"] == "InProgress"
        assert condition(refused, "Failed")["status"] == "False"
        assert "session token expired" in condition(refused, "Synced")["message"]
        await asyncio.sleep(3)
        # A long backoff from the start (5 s), not the queue's milliseconds.
        assert failed_calls(emulator, "DescribeTrainingJob", "ExpiredTokenException") <= 2
        emulator.control.remove_fault(fault)  # credentials work again
        back = await kube.wait_for(
            "TrainingJob",
            "patient",
            lambda o: condition(o, "Synced")["status"] == "True",
            seconds=60,
            what="Synced=True",
        )
    assert back is not None
    assert back["status"]["trainingJobStatus"] == "InProgress"
    warnings = [e.reason for e in await kube.events("patient") if e.type == "Warning"]
    assert warnings == ["ExpiredTokenException"]  # one Event, not one per retry


async def test_access_denied_on_create_waits_for_the_permission(
    kube: Kube, emulator: RunningEmulator
) -> None:
    fault = emulator.control.inject("access_denied", operation="CreateTrainingJob")
    await kube.create(sample("TrainingJob", "denied"))
    async with running_operator(kube, emulator.url):
        refused = await kube.wait_for(
            "TrainingJob", "denied", synced_reason("AccessDeniedException"), what="Synced=False"
        )
        assert refused is not None
        assert refused["status"]["trainingJobStatus"] == "SynchronizingK8sJobWithSageMaker"
        assert "sagemaker:CreateTrainingJob" in condition(refused, "Synced")["message"]
        emulator.control.remove_fault(fault)  # the admin fixed the role's policy
        await kube.wait_for_status("TrainingJob", "denied", "Completed", seconds=60)
    assert emulator.control.requests.count(operation="CreateTrainingJob") == 2


async def test_a_lost_job_is_reported_and_run_again_only_on_request(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.set_timings(**SLOW)
    await kube.create(sample("TrainingJob", "moved"))
    async with running_operator(kube, emulator.url):
        await kube.wait_for_status("TrainingJob", "moved", "InProgress")
    # The operator now reaches another SageMaker (an endpoint flag or an account changed).
    async with running_emulator(time_scale=150) as elsewhere:
        async with running_operator(kube, elsewhere.url) as operator:
            lost = await kube.wait_for(
                "TrainingJob", "moved", synced_reason("JobLost"), what="JobLost"
            )
            assert lost is not None
            message = condition(lost, "Synced")["message"]
            assert "not started again on its own" in message
            assert "sagemaker.aws.amazon.com/rerun-lost-job=true" in message
            assert lost["status"]["trainingJobStatus"] == "InProgress"
            await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 5)
            assert elsewhere.control.requests.count(operation="CreateTrainingJob") == 0
            await kube.objects.patch_namespaced_custom_object(
                "sagemaker.aws.amazon.com", "v1", kube.namespace, "trainingjobs", "moved",
                {"metadata": {"annotations": {"sagemaker.aws.amazon.com/rerun-lost-job": "true"}}},
                _content_type="application/merge-patch+json",
            )  # fmt: skip
            await kube.wait_for_status("TrainingJob", "moved", "Completed", seconds=60)
        assert elsewhere.control.requests.count(operation="CreateTrainingJob") == 1
    assert [e.reason for e in await kube.events("moved") if e.type == "Warning"] == ["JobLost"]


async def test_an_endpoint_the_admin_did_not_allow_is_never_called(
    kube: Kube, emulator: RunningEmulator
) -> None:
    await kube.create(sample("TrainingJob", "forged", sageMakerEndpoint="http://127.0.0.1:9"))
    # The emulator under another name: allowed only because the admin says so.
    elsewhere = emulator.url.replace("127.0.0.1", "localhost")
    await kube.create(sample("TrainingJob", "allowed", sageMakerEndpoint=elsewhere))
    async with running_operator(
        kube, emulator.url, sagemaker_endpoint_allow=("http://localhost:*",)
    ):
        refused = await kube.wait_for_status("TrainingJob", "forged", "Failed")
        await kube.wait_for_status("TrainingJob", "allowed", "Completed")
    assert "--sagemaker-endpoint-allow" in refused["status"]["additional"]
    assert condition(refused, "Failed")["reason"] == "EndpointNotAllowed"
    assert emulator.control.requests.count(operation="CreateTrainingJob") == 1  # "allowed"
