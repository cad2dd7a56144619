"""One reconcile's view of one resource and the SageMaker calls made for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from controller.resources import KubeObject
from reconcilers.kube import KubeWriter, metadata
from reconcilers.runtime import OperatorRuntime


@dataclass
class SageMakerContext:
    """The resource, its validated spec, where its SageMaker objects live, and its Events."""

    obj: KubeObject
    spec: Any
    runtime: OperatorRuntime
    kube: KubeWriter
    # This reconcile answers a change SageMaker reported (the change feed woke it): its
    # calls wait for the request budget ahead of a burst of new resources.
    ahead: bool = field(default=False, kw_only=True)

    @property
    def region(self) -> str:
        region: str = self.spec.region
        return region

    @property
    def endpoint(self) -> str | None:
        endpoint: str | None = self.spec.sage_maker_endpoint
        return endpoint

    @property
    def name(self) -> str:
        return str(metadata(self.obj)["name"])

    @property
    def uid(self) -> str:
        return str(metadata(self.obj)["uid"])

    @property
    def generation(self) -> int | None:
        generation: int | None = metadata(self.obj).get("generation")
        return generation

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.obj.get("status") or {}
        return status

    async def event(self, event_type: str, reason: str, message: str) -> None:
        await self.kube.event(self.obj, event_type, reason, message)

    async def call(
        self, operation: str, params: dict[str, Any], *, service: str = "sagemaker"
    ) -> dict[str, Any]:
        return await self.runtime.sagemaker.call(
            operation,
            self.region,
            params,
            endpoint=self.endpoint,
            service=service,
            first=self.ahead,
        )
