"""Fixtures shared by every test: the real local control plane and clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from kubernetes_asyncio import client, config

from local_cluster import ControlPlane


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def control_plane() -> AsyncIterator[ControlPlane]:
    """One etcd + kube-apiserver for the whole run (built on first use, then cached)."""
    async with ControlPlane() as plane:
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
