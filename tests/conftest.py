"""Fixtures shared by every test: the real local control plane and clients for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from local_cluster import ControlPlane


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials: the emulator ignores signatures, but botocore will not sign without."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def control_plane() -> AsyncIterator[ControlPlane]:
    """One etcd + kube-apiserver for the whole run (built on first use, then cached)."""
    async with ControlPlane(audit=True) as plane:
        yield plane


@pytest_asyncio.fixture(loop_scope="session")
async def kube_api(control_plane: ControlPlane) -> AsyncIterator[client.ApiClient]:
    """An admin kubernetes_asyncio client for the local control plane."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(control_plane.kubeconfig), client_configuration=configuration
    )
    async with client.ApiClient(configuration) as api:
        yield api


CRD_DIR = Path(__file__).resolve().parents[1] / "config" / "crd" / "bases"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sagemaker_crds(control_plane: ControlPlane) -> ControlPlane:
    """The control plane with every generated CRD applied and Established."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(control_plane.kubeconfig), client_configuration=configuration
    )
    async with client.ApiClient(configuration) as api:
        extensions = client.ApiextensionsV1Api(api)
        names = []
        for path in sorted(CRD_DIR.glob("*.yaml")):
            crd = yaml.safe_load(path.read_text())
            names.append(crd["metadata"]["name"])
            try:
                await extensions.create_custom_resource_definition(crd)
            except ApiException as error:
                if error.status != 409:
                    raise
        async with asyncio.timeout(60):
            for name in names:
                while not _established(await extensions.read_custom_resource_definition(name)):
                    await asyncio.sleep(0.1)
    return control_plane


def _established(crd: Any) -> bool:
    return any(
        c.type == "Established" and c.status == "True" for c in (crd.status.conditions or [])
    )
