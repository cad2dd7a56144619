"""The control plane a chaos run shares between its scenarios, with every CRD installed.

One etcd + kube-apiserver serves every scenario of a run; each scenario gets its own
namespace (its operators watch only that one, its Lease lives there), its own emulator
process and its own operators, so scenarios do not see each other's resources.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from kubernetes_asyncio import client
from operator_stack import install_crds, kube_api

from apis.kinds import ALL_KINDS
from local_cluster import ControlPlane


@dataclass
class ChaosCluster:
    plane: ControlPlane
    api: client.ApiClient

    @property
    def objects(self) -> Any:  # kubernetes_asyncio's CustomObjectsApi
        return client.CustomObjectsApi(self.api)

    async def new_namespace(self, scenario: str) -> str:
        namespace = f"chaos-{scenario}-{uuid.uuid4().hex[:6]}"
        await install_crds(self.api, [], [namespace])
        return namespace


@asynccontextmanager
async def running_cluster() -> AsyncIterator[ChaosCluster]:
    async with ControlPlane() as plane, kube_api(plane.kubeconfig) as api:
        # Every kind, so each of the operator's informers syncs (a missing CRD would make
        # one retry forever and muddle the relist counts).
        await install_crds(api, [info.plural for info in ALL_KINDS])
        yield ChaosCluster(plane, api)
