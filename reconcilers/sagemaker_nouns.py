"""The SageMaker objects the hosting kinds manage, each named by one noun.

Every operation and member name follows from the noun: ``Model`` gives CreateModel,
DescribeModel, DeleteModel, ListModels, ``ModelName`` and ``ModelArn``; ``EndpointConfig``
and ``Endpoint`` likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconcilers.context import SageMakerContext
from sagemaker_client.errors import SageMakerError

_PAGE = 100


@dataclass(frozen=True)
class Noun:
    name: str  # "Model", "EndpointConfig", "Endpoint"

    @property
    def name_param(self) -> str:
        return f"{self.name}Name"

    @property
    def arn_key(self) -> str:
        return f"{self.name}Arn"

    @property
    def plural(self) -> str:
        return f"{self.name}s"

    async def describe(self, ctx: SageMakerContext, name: str) -> dict[str, Any] | None:
        """``Describe<Noun>``; None when SageMaker has no such object."""
        try:
            return await ctx.call(f"Describe{self.name}", {self.name_param: name})
        except SageMakerError as error:
            if error.is_not_found:
                return None
            raise

    async def create(self, ctx: SageMakerContext, request: dict[str, Any]) -> str:
        """``Create<Noun>``; returns the new object's ARN."""
        created = await ctx.call(f"Create{self.name}", request)
        return str(created[self.arn_key])

    async def delete(self, ctx: SageMakerContext, name: str) -> bool:
        """``Delete<Noun>``; False when it was already gone."""
        try:
            await ctx.call(f"Delete{self.name}", {self.name_param: name})
        except SageMakerError as error:
            if error.is_not_found:
                return False
            raise
        return True

    async def listed(self, ctx: SageMakerContext, **filters: Any) -> list[dict[str, Any]]:
        """Every summary ``List<Nouns>`` gives for ``filters`` (NameContains, ...), all pages."""
        summaries: list[dict[str, Any]] = []
        params: dict[str, Any] = {**filters, "MaxResults": _PAGE}
        while True:
            page = await ctx.call(f"List{self.plural}", params)
            summaries.extend(page.get(self.plural, []))
            token = page.get("NextToken")
            if not token:
                return summaries
            params = {**params, "NextToken": token}


MODEL = Noun("Model")
ENDPOINT_CONFIG = Noun("EndpointConfig")
ENDPOINT = Noun("Endpoint")
