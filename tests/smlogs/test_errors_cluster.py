"""Every failure says what happened and what to do, with a non-zero exit code."""

from __future__ import annotations

import asyncio
import time

import pytest

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube
from tests.smlogs.plugin import GROUPS, Plugin, start
from tests.smlogs.resources import expected_lines, fabricate, set_status
from tests.tools import Ran

TRAINING = GROUPS["TrainingJob"]
JOB = "job-0123456789abcdef"


def _write(emulator: RunningEmulator, stream: str, count: int) -> None:
    now = int(time.time() * 1000)
    emulator.control.put_log_events(
        TRAINING, stream, [{"timestamp": now + i, "message": f"line {i}"} for i in range(count)]
    )


# The status the operator writes for a completed job.
DONE = {
    "sageMakerTrainingJobName": JOB,
    "trainingJobStatus": "Completed",
    "secondaryStatus": "Completed",
}


async def _completed(kube: Kube, emulator: RunningEmulator, name: str) -> None:
    _write(emulator, f"{JOB}/algo-1-1", 5)
    await fabricate(kube, "TrainingJob", name, DONE)


async def _followed_until_done(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin, name: str, waiting: str
) -> Ran:
    """Follow ``name`` until it says it waits; then its logs come and it completes."""
    following = await start(plugin, "trainingjob", name, "-n", kube.namespace, "-f")
    await following.stderr_says(waiting)
    _write(emulator, f"{JOB}/algo-1-1", 3)
    await set_status(kube, "TrainingJob", name, DONE)
    waited = (await following.finish()).check()
    assert waited.stdout.splitlines() == expected_lines(emulator.control, TRAINING, f"{JOB}/")
    assert len(waited.stdout.splitlines()) == 3
    return waited


async def test_resource_not_found_names_the_namespace(kube: Kube, plugin: Plugin) -> None:
    ran = await plugin.smlogs("trainingjob", "missing", "-n", kube.namespace)
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert (
        f'error: trainingjobs.sagemaker.aws.amazon.com "missing" not found in namespace '
        f'"{kube.namespace}". List them with: kubectl get trainingjobs -n {kube.namespace}\n'
    ) == ran.stderr


async def test_bad_usage(plugin: Plugin) -> None:
    unknown = await plugin.smlogs("endpoint", "x")
    assert unknown.returncode == 1
    assert 'unknown command "endpoint" for "smlogs"' in unknown.stderr
    two = await plugin.smlogs("trainingjob", "a", "b")
    assert two.returncode == 1
    assert "exactly one TrainingJob name must be given (got [a,b])" in two.stderr
    since = await plugin.smlogs("trainingjob", "a", "--since", "ten minutes")
    assert since.returncode == 1
    assert '--since "ten minutes": not a duration' in since.stderr


async def test_a_job_not_started_yet_fails_or_is_waited_for(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    await fabricate(kube, "TrainingJob", "later", None)
    ran = await plugin.smlogs("trainingjob", "later", "-n", kube.namespace)
    assert ran.returncode == 1
    assert '"later" has no SageMaker TrainingJobName yet (status "unknown")' in ran.stderr
    assert "Is the operator running? Use -f to wait for it" in ran.stderr

    waited = await _followed_until_done(kube, emulator, plugin, "later", "waiting for it")
    assert '"later" has SageMaker TrainingJobName "job-0123456789abcdef"' in waited.stderr


async def test_no_logs_yet_fails_or_is_waited_for(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    status = {
        "sageMakerTrainingJobName": JOB,
        "trainingJobStatus": "InProgress",
        "secondaryStatus": "Starting",
    }
    await fabricate(kube, "TrainingJob", "starting", status)
    ran = await plugin.smlogs("trainingjob", "starting", "-n", kube.namespace)
    assert ran.returncode == 1
    assert (
        f'error: no log streams "{JOB}/*" in /aws/sagemaker/TrainingJobs yet (status '
        '"InProgress", secondary status "Starting"): its instances have not started writing '
        "(the log group does not exist in us-east-1 yet); run again later, or use -f to wait\n"
    ) == ran.stderr.split("\n", 1)[1]

    # Another job's stream makes the group exist; this job still has none.
    _write(emulator, "other-job/algo-1-1", 1)
    again = await plugin.smlogs("trainingjob", "starting", "-n", kube.namespace)
    assert again.returncode == 1
    assert f'no log streams "{JOB}/*" in /aws/sagemaker/TrainingJobs yet' in again.stderr

    await _followed_until_done(kube, emulator, plugin, "starting", "waiting (Ctrl-C stops)")


async def test_a_failed_job_without_logs(kube: Kube, plugin: Plugin) -> None:
    status = {
        "sageMakerTrainingJobName": JOB,
        "trainingJobStatus": "Failed",
        "secondaryStatus": "Failed",
        "additional": "ClientError: no such image",
    }
    await fabricate(kube, "TrainingJob", "broken", status)
    for extra in ((), ("-f",)):
        ran = await plugin.smlogs("trainingjob", "broken", "-n", kube.namespace, *extra)
        assert ran.returncode == 1
        assert 'the job ended (status "Failed"' in ran.stderr
        assert 'additional "ClientError: no such image"' in ran.stderr


async def test_missing_credentials_say_how_to_set_them(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    await _completed(kube, emulator, "nocreds")
    bare = plugin.with_env(drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    ran = await bare.smlogs("trainingjob", "nocreds", "-n", kube.namespace)
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "error: no usable AWS credentials to read CloudWatch Logs" in ran.stderr
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in ran.stderr
    assert "Traceback" not in ran.stderr


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("expired_token", "AWS refused the credentials: they have expired (ExpiredTokenException"),
        ("unrecognized_client", "it does not know this access key (UnrecognizedClientException"),
        ("access_denied", "this identity may not read the job's logs (AccessDeniedException"),
        ("invalid_signature", "the signature does not match (InvalidSignatureException"),
    ],
)
async def test_refused_credentials_say_which_and_what_to_do(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin, fault: str, says: str
) -> None:
    await _completed(kube, emulator, "refused")
    emulator.control.inject(fault, operation="DescribeLogStreams")  # type: ignore[arg-type]
    ran = await plugin.smlogs("trainingjob", "refused", "-n", kube.namespace)
    assert ran.returncode == 1
    assert says in ran.stderr
    assert emulator.control.requests.count("DescribeLogStreams") == 1, "refusals are not retried"


async def test_throttling_is_retried_then_explained(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    await _completed(kube, emulator, "throttled")
    control = emulator.control
    control.inject("throttle", operation="GetLogEvents", times=3)
    ran = (await plugin.smlogs("trainingjob", "throttled", "-n", kube.namespace, "-v")).check()
    assert ran.stdout.splitlines() == expected_lines(control, TRAINING, f"{JOB}/")
    assert control.requests.by_error["ThrottlingException"] == 3
    # -v shows each retry, bound to the log group; without it, nothing but the header
    assert ran.stderr.count("smlogs.retrying") == 3
    assert "group=/aws/sagemaker/TrainingJobs" in ran.stderr

    control.inject("throttle", operation="GetLogEvents")
    failed = await plugin.smlogs("trainingjob", "throttled", "-n", kube.namespace)
    assert failed.returncode == 1
    assert (
        "error: CloudWatch Logs kept failing GetLogEvents (ThrottlingException: Rate exceeded) "
        "after 6 attempts with backoff." in failed.stderr
    )
    assert control.requests.by_error["ThrottlingException"] == 3 + 6


async def test_ctrl_c_stops_following_quietly(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    _write(emulator, f"{JOB}/algo-1-1", 3)
    status = {
        "sageMakerTrainingJobName": JOB,
        "trainingJobStatus": "InProgress",
        "secondaryStatus": "Training",
    }
    await fabricate(kube, "TrainingJob", "running", status)
    following = await start(plugin, "trainingjob", "running", "-n", kube.namespace, "-f")
    await following.stderr_says('status "InProgress"')
    await asyncio.sleep(1.5)
    following.interrupt()
    ran = await following.finish()
    assert ran.returncode == 130
    assert ran.stdout.splitlines() == expected_lines(emulator.control, TRAINING, f"{JOB}/")
    assert "Traceback" not in ran.stderr
    assert ran.stderr.count("\n") == 1, ran.stderr
