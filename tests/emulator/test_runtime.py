"""Scaled real time, the console command, and many resources at once."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from sagemaker_emulator.testing import make_client, running_emulator
from sagemaker_emulator.training import launch_training_job
from tests.emulator.builders import TRAINING_SECONDS, training_job


async def wait_for_status(sagemaker: Any, name: str, wanted: str) -> None:
    while True:
        described = await sagemaker.describe_training_job(TrainingJobName=name)
        if described["TrainingJobStatus"] == wanted:
            return
        await asyncio.sleep(0.02)


async def test_time_scale_finishes_a_job_in_milliseconds() -> None:
    # 10 000 emulated seconds per real second: the 230 s job takes 23 ms.
    async with (
        running_emulator(time_scale=10_000) as emulator,
        emulator.client("sagemaker", retries_off=True) as sagemaker,
    ):
        started = emulator.control.now()
        await sagemaker.create_training_job(**training_job())
        await asyncio.wait_for(wait_for_status(sagemaker, "train-1", "Completed"), timeout=5)
        assert emulator.control.now() - started >= TRAINING_SECONDS


async def test_time_scale_can_change_while_running() -> None:
    async with (
        running_emulator(time_scale=1) as emulator,
        emulator.client("sagemaker", retries_off=True) as sagemaker,
    ):
        await sagemaker.create_training_job(**training_job())
        await asyncio.sleep(0.05)
        described = await sagemaker.describe_training_job(TrainingJobName="train-1")
        assert described["SecondaryStatus"] == "Starting"
        emulator.control.set_time_scale(20_000)
        await asyncio.wait_for(wait_for_status(sagemaker, "train-1", "Completed"), timeout=5)


async def test_console_command_serves_on_a_free_port() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sagemaker_emulator",
        "--port",
        "0",
        "--time-scale",
        "100",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        url = ""
        while not url:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
            assert line, "the emulator exited before listening"
            if "listening on" in line:
                url = line.split("listening on ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        async with make_client(url, "sagemaker", retries_off=True) as client:
            listed = await client.list_training_jobs()
        assert listed["TrainingJobSummaries"] == []
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), timeout=10) == 0


async def test_thousands_of_resources() -> None:
    async with (
        running_emulator(manual_clock=True) as emulator,
        emulator.client("sagemaker", retries_off=True) as sagemaker,
    ):
        server = emulator.server
        region = server.world.region("us-east-1")
        # Seeding in-process keeps the test fast; the reads go through the client.
        for index in range(3000):
            request = training_job(f"bulk-{index}")
            launch_training_job(server.world, region, request, server.control.now())
        emulator.control.advance(TRAINING_SECONDS)
        page = await sagemaker.list_training_jobs(StatusEquals="Completed", MaxResults=100)
        assert len(page["TrainingJobSummaries"]) == 100
        assert "NextToken" in page
        described = await sagemaker.describe_training_job(TrainingJobName="bulk-2999")
        assert described["TrainingJobStatus"] == "Completed"
