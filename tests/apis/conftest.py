"""Fixtures for the API tests: the generated CRDs installed on the session's control plane."""

from __future__ import annotations

import pytest_asyncio

from apis.kinds import ALL_KINDS
from apis.manifests import CONFIG
from local_cluster import ControlPlane
from tests.apis.tools import kubectl

CRD_DIR = CONFIG / "crd" / "bases"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sagemaker_crds(control_plane: ControlPlane) -> ControlPlane:
    """The control plane with every generated CRD applied and established."""
    (await kubectl(control_plane, "apply", "-f", str(CRD_DIR))).check()
    names = [f"crd/{info.crd_name}" for info in ALL_KINDS]
    waited = await kubectl(
        control_plane, "wait", "--for=condition=Established", "--timeout=60s", *names
    )
    waited.check()
    return control_plane
