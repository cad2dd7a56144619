"""--tail, --since, --log-search-prefix, --hide-log-stream-name, --timestamps; every job kind."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sagemaker_emulator.control import EmulatorControl
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube
from tests.smlogs.plugin import GROUPS, Plugin
from tests.smlogs.resources import expected_lines, fabricate

TRAINING = GROUPS["TrainingJob"]
MINUTE = 60_000


def _events(stream: str, stamps: list[int]) -> list[dict[str, Any]]:
    return [{"timestamp": t, "message": f"{stream.rsplit('/', 1)[-1]} at {t}"} for t in stamps]


async def _two_instance_job(kube: Kube, emulator: RunningEmulator, name: str) -> str:
    """A completed TrainingJob whose two streams hold events of the last three hours.

    The resource names the emulator in spec.sageMakerEndpoint, as a user's may.
    """
    job = f"{name}-0123456789abcdef"
    now = int(time.time() * 1000)
    stamps = [now - 180 * MINUTE, now - 90 * MINUTE, now - 30 * MINUTE, now - 5 * MINUTE]
    for instance in ("algo-1-1700000000", "algo-2-1700000000"):
        offset = 0 if instance.startswith("algo-1") else 7
        stream = f"{job}/{instance}"
        emulator.control.put_log_events(
            TRAINING, stream, _events(stream, [t + offset for t in stamps])
        )
    # Another job whose name starts with this one's: its lines are not this job's.
    emulator.control.put_log_events(
        TRAINING, f"{job}x/algo-1-1", _events(f"{job}x/algo-1-1", [now])
    )
    status = {
        "sageMakerTrainingJobName": job,
        "trainingJobStatus": "Completed",
        "secondaryStatus": "Completed",
    }
    await fabricate(kube, "TrainingJob", name, status, sageMakerEndpoint=emulator.url)
    return job


async def test_tail_since_prefix_and_columns(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    job = await _two_instance_job(kube, emulator, "flags")
    control = emulator.control
    smlogs = plugin.with_env(drop=("AWS_DEFAULT_SAGEMAKER_ENDPOINT",))
    everything = expected_lines(control, TRAINING, f"{job}/")
    assert len(everything) == 8
    base = ("trainingjobs", "flags", "-n", kube.namespace)

    whole = (await smlogs.smlogs(*base)).check()
    assert whole.stdout.splitlines() == everything

    tail = (await smlogs.smlogs(*base, "--tail", "3")).check()
    assert tail.stdout.splitlines() == everything[-3:]
    assert (await smlogs.smlogs(*base, "--tail=0")).check().stdout == ""

    since = (await smlogs.smlogs(*base, "--since", "1h")).check()
    assert since.stdout.splitlines() == everything[4:]
    both = (await smlogs.smlogs(*base, "--since=2h", "--tail", "3")).check()
    assert both.stdout.splitlines() == everything[-3:]

    algo2 = control.log_events(TRAINING, f"{job}/algo-2")
    prefixed = (await smlogs.smlogs(*base, "-p", "algo-2")).check()
    assert prefixed.stdout.splitlines() == expected_lines(control, TRAINING, "", keep=algo2)
    old_spelling = (await smlogs.smlogs(*base, "--logSearchPrefix", "algo-2")).check()
    assert old_spelling.stdout == prefixed.stdout

    hidden = (await smlogs.smlogs(*base, "--hide-log-stream-name")).check()
    assert hidden.stdout.splitlines() == expected_lines(
        control, TRAINING, f"{job}/", show_stream=False
    )
    bare = (await smlogs.smlogs(*base, "--timestamps=false", "--hide-log-stream-name")).check()
    assert bare.stdout.splitlines() == expected_lines(
        control, TRAINING, f"{job}/", show_stream=False, show_timestamp=False
    )
    assert bare.stdout.splitlines()[0] == f"algo-1-1700000000 at {everything_first(control, job)}"
    no_time = (await smlogs.smlogs(*base, "--timestamps", "false")).check()
    assert no_time.stdout.splitlines() == expected_lines(
        control, TRAINING, f"{job}/", show_timestamp=False
    )


def everything_first(control: EmulatorControl, job: str) -> int:
    return min(int(e["timestamp"]) for e in control.log_events(TRAINING, f"{job}/"))


@pytest.mark.parametrize(
    ("kind", "command", "status", "noun"),
    [
        ("BatchTransformJob", "batchtransformjob", "transformJobStatus", "TransformJobName"),
        ("ProcessingJob", "ProcessingJobs", "processingJobStatus", "ProcessingJobName"),
    ],
)
async def test_transform_and_processing_jobs(
    kube: Kube,
    emulator: RunningEmulator,
    plugin: Plugin,
    kind: str,
    command: str,
    status: str,
    noun: str,
) -> None:
    name = kind.lower()
    job = f"{name}-fedcba9876543210"
    group = GROUPS[kind]
    now = int(time.time() * 1000)
    for instance in ("i-0a1b2c3d4e5f60001-AlgorithmError", "i-0a1b2c3d4e5f60002"):
        stream = f"{job}/{instance}"
        emulator.control.put_log_events(group, stream, _events(stream, [now, now + 1, now + 2]))
    fields = {f"sageMaker{noun}": job, status: "InProgress"}
    await fabricate(kube, kind, name, fields)

    ran = (await plugin.smlogs(command, name, "--namespace", kube.namespace)).check()

    assert ran.stderr.splitlines()[0] == (
        f'"{name}" has SageMaker {noun} "{job}" in region "us-east-1", status "InProgress"'
    )
    assert ran.stdout.splitlines() == expected_lines(emulator.control, group, f"{job}/")
    assert len(ran.stdout.splitlines()) == 6


async def test_a_tuning_job_points_at_its_training_jobs(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    tuning = await fabricate(kube, "HyperparameterTuningJob", "tune", None)
    label = "sagemaker.aws.amazon.com/hyperparameter-tuning-job"
    for child in ("tune-001-aaaa", "tune-002-bbbb"):
        body = {"metadata": {"name": child, "labels": {label: "tune"}}}
        created = await fabricate(kube, "TrainingJob", child, None)
        await kube.objects.patch_namespaced_custom_object(
            "sagemaker.aws.amazon.com",
            "v1",
            kube.namespace,
            "trainingjobs",
            child,
            body,
            _content_type="application/merge-patch+json",
        )
        assert created["metadata"]["name"] == child
    assert tuning["kind"] == "HyperparameterTuningJob"

    ran = await plugin.smlogs("hpo", "tune", "-n", kube.namespace)

    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "its logs are those of the training jobs it launched" in ran.stderr
    assert "It has launched 2: tune-001-aaaa, tune-002-bbbb." in ran.stderr
    assert f"kubectl get trainingjobs -n {kube.namespace} -l {label}=tune\n" in ran.stderr
    for spelling in ("HyperParameterTuningJob", "hyperparametertuningjobs"):
        again = await plugin.smlogs(spelling, "tune", "-n", kube.namespace)
        assert again.returncode == 1
        assert again.stderr == ran.stderr
