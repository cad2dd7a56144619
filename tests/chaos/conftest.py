"""The chaos scenarios' own control plane: the apiserver-restart scenario stops and starts
kube-apiserver, which the rest of the suite's shared control plane must not see."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from chaos.cluster import ChaosCluster, running_cluster


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def chaos_cluster() -> AsyncIterator[ChaosCluster]:
    async with running_cluster() as cluster:
        yield cluster
