"""An emulator per test, on a manual clock, with aiobotocore clients (retries off)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from sagemaker_emulator.testing import RunningEmulator, running_emulator


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(manual_clock=True) as emu:
        yield emu


@pytest_asyncio.fixture
async def sagemaker(emulator: RunningEmulator) -> AsyncIterator[Any]:
    async with emulator.client("sagemaker", retries_off=True) as client:
        yield client


@pytest_asyncio.fixture
async def logs(emulator: RunningEmulator) -> AsyncIterator[Any]:
    async with emulator.client("logs", retries_off=True) as client:
        yield client


@pytest_asyncio.fixture
async def autoscaling(emulator: RunningEmulator) -> AsyncIterator[Any]:
    async with emulator.client("application-autoscaling", retries_off=True) as client:
        yield client


@pytest_asyncio.fixture
async def runtime(emulator: RunningEmulator) -> AsyncIterator[Any]:
    async with emulator.client("sagemaker-runtime", retries_off=True) as client:
        yield client
