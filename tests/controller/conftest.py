"""Fixtures for the controller runtime's tests against the real local control plane."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from kubernetes_asyncio import client

from local_cluster import ControlPlane
from tests.controller.kube_helpers import api_for, create_namespace, install_test_crds


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def widget_cluster(control_plane: ControlPlane) -> AsyncIterator[ControlPlane]:
    """The shared control plane with the Widget and Gadget test CRDs installed."""
    async with await api_for(control_plane.kubeconfig) as api:
        await install_test_crds(api)
    yield control_plane


@pytest_asyncio.fixture(loop_scope="session")
async def api(widget_cluster: ControlPlane) -> AsyncIterator[client.ApiClient]:
    async with await api_for(widget_cluster.kubeconfig) as admin:
        yield admin


@pytest_asyncio.fixture(loop_scope="session")
async def namespace(api: client.ApiClient) -> AsyncIterator[str]:
    name = await create_namespace(api)
    yield name
    await client.CoreV1Api(api).delete_namespace(name)
