"""``kubectl smlogs`` through the real kubectl, on the real apiserver and emulator logs."""

from __future__ import annotations

import asyncio
from typing import Any

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.smlogs.plugin import GROUPS, Plugin, start
from tests.smlogs.resources import expected_lines, interleaved

TRAINING = GROUPS["TrainingJob"]


def header(name: str, job: str, status: str, secondary: str) -> str:
    return (
        f'"{name}" has SageMaker TrainingJobName "{job}" in region "us-east-1", '
        f'status "{status}" and secondary status "{secondary}"'
    )


async def test_kubectl_finds_the_plugin(plugin: Plugin) -> None:
    listed = (await plugin.kubectl_run("plugin", "list")).check()
    assert "kubectl-smlogs" in listed.stdout
    helped = (await plugin.smlogs()).check()
    assert "Aliases:\n  smlogs, SMLogs, Smlogs\n" in helped.stdout
    assert "  TrainingJob             View TrainingJob logs via Kubernetes\n" in helped.stdout


async def test_a_completed_multi_instance_job_prints_every_line_in_time_order(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    config = {"instanceCount": 2, "instanceType": "ml.m4.xlarge", "volumeSizeInGB": 5}
    async with running_operator(kube, emulator.url):
        await kube.create(sample("TrainingJob", "multi", resourceConfig=config))
        done = await kube.wait_for_status("TrainingJob", "multi", "Completed", 60)
    job = done["status"]["sageMakerTrainingJobName"]
    control = emulator.control
    # The emulator wrote one stream per instance, the second a millisecond after the first.
    first = control.log_events(TRAINING, f"{job}/algo-1-")
    second = control.log_events(TRAINING, f"{job}/algo-2-")
    assert len(first) == len(second) > 10
    # A third stream, written here: its events on the first's millisecond and between.
    third = f"{job}/algo-3-{first[0]['timestamp'] // 1000}"
    control.put_log_events(TRAINING, third, interleaved(first, third))
    control.set_log_page_limit(4)  # many pages per stream, boundaries inside equal times

    ran = (await plugin.smlogs("trainingjob", "multi", "-n", kube.namespace)).check()

    assert ran.stderr.splitlines()[0] == header("multi", job, "Completed", "Completed")
    expected = expected_lines(control, TRAINING, f"{job}/")
    assert len(expected) == 3 * len(first)
    assert ran.stdout.splitlines() == expected
    streams = [line.split(" ", 1)[0] for line in expected]
    assert set(streams) == {first[0]["stream"], second[0]["stream"], third}
    assert streams[:3] == [first[0]["stream"], third, second[0]["stream"]], "interleaved"


async def test_follow_prints_lines_as_they_come_and_exits_when_the_job_is_done(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin
) -> None:
    control = emulator.control
    # 180 progress lines over 12 real seconds: a loaded machine still starts the plugin in time
    control.set_timings(training_training=1800)
    control.set_log_page_limit(3)
    world = emulator.server.world
    seen_while_running: list[str] = []

    def running(job: str) -> bool:
        world.settle()
        return not world.region("us-east-1").jobs["training-job"][job].finished

    async with running_operator(kube, emulator.url):
        await kube.create(sample("TrainingJob", "follow"))
        named = await kube.wait_for(
            "TrainingJob",
            "follow",
            lambda o: bool(o and (o.get("status") or {}).get("sageMakerTrainingJobName")),
            what="a SageMaker job name",
        )
        assert named is not None
        job = named["status"]["sageMakerTrainingJobName"]

        def on_line(line: str) -> None:
            if running(job):
                seen_while_running.append(line)

        async def second_instance() -> None:
            # Four events of one millisecond per write, across pages of three.
            while not control.log_events(TRAINING, f"{job}/"):
                await asyncio.sleep(0.05)
            for batch in range(8):
                now = int(control.now() * 1000)
                control.put_log_events(
                    TRAINING,
                    f"{job}/algo-2-1",
                    [{"timestamp": now, "message": f"algo-2 {batch}.{i}"} for i in range(4)],
                )
                await asyncio.sleep(0.25)

        following = await start(plugin, "tj", "follow", "-n", kube.namespace, "-f", on_line=on_line)
        await second_instance()
        ran = (await following.finish(180)).check()
        status = await kube.get("TrainingJob", "follow")

    assert status is not None
    assert status["status"]["trainingJobStatus"] == "Completed"
    printed = ran.stdout.splitlines()
    expected = expected_lines(control, TRAINING, f"{job}/")
    assert len(printed) == len(set(printed)), "a line was printed twice"
    assert sorted(printed) == sorted(expected), "a line is missing or extra"
    for stream in {line.split(" ", 1)[0] for line in expected}:
        mine = [line for line in printed if line.startswith(f"{stream} ")]
        assert mine == [line for line in expected if line.startswith(f"{stream} ")]
    assert len(seen_while_running) >= 3, "lines came only after the job had ended"
    assert printed[-1].endswith("Job completed successfully")


def _events(stream: str, stamps: list[int]) -> list[dict[str, Any]]:
    return [{"timestamp": t, "message": f"{stream.rsplit('/', 1)[-1]} {t}"} for t in stamps]
