"""The plugin run through the real kubectl, against the real apiserver and emulator."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from kubernetes_asyncio import client

from local_cluster import ControlPlane
from sagemaker_emulator.testing import RunningEmulator, running_emulator
from tests.reconcilers.harness import Kube
from tests.smlogs.plugin import Plugin

# Emulated seconds per real second: a 230 s training job takes about 1.5 s.
TIME_SCALE = 150.0


@pytest.fixture(autouse=True)
def _credentials(aws_credentials: None) -> None:
    """The in-process operator signs its requests to the emulator."""


@pytest_asyncio.fixture(loop_scope="session")
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(time_scale=TIME_SCALE) as emu:
        yield emu


@pytest_asyncio.fixture(loop_scope="session")
async def kube(sagemaker_crds: ControlPlane, kube_api: client.ApiClient) -> Kube:
    namespace = f"smlogs-{uuid.uuid4().hex[:8]}"
    await client.CoreV1Api(kube_api).create_namespace({"metadata": {"name": namespace}})
    return Kube(kube_api, namespace)


@pytest.fixture
def plugin(sagemaker_crds: ControlPlane, emulator: RunningEmulator, tmp_path: Path) -> Plugin:
    return Plugin.make(sagemaker_crds, emulator.url, tmp_path, Path(sys.executable).parent)
