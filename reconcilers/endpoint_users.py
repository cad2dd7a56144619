"""Which live endpoints use a model or an endpoint configuration.

SageMaker lets either be deleted while an endpoint runs it; the endpoint keeps serving but
can no longer scale or recover. The Model and EndpointConfig kinds therefore ask first.
SageMaker has no reverse lookup, so the search is narrowed by time: only a configuration
created after the model can name it, and only an endpoint created or updated after the
configuration can run it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from reconcilers.context import SageMakerContext
from reconcilers.sagemaker_nouns import ENDPOINT, ENDPOINT_CONFIG

# Endpoints that no longer run anything: a failed one can only be deleted.
_GONE = frozenset({"Deleting", "Failed"})
# SageMaker's timestamps and the List filters are compared to the second.
_SLACK = datetime.timedelta(seconds=1)


async def endpoints_using_configs(
    ctx: SageMakerContext, configs: Iterable[str], since: datetime.datetime
) -> list[str]:
    """The live endpoints that run, or are being updated to, one of ``configs``."""
    wanted = set(configs)
    users = []
    for summary in await ENDPOINT.listed(ctx, LastModifiedTimeAfter=since - _SLACK):
        if summary.get("EndpointStatus") in _GONE:
            continue
        described = await ENDPOINT.describe(ctx, summary["EndpointName"])
        if described is None:
            continue
        pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        if described.get("EndpointConfigName") in wanted or pending in wanted:
            users.append(str(summary["EndpointName"]))
    return users


async def endpoints_using_model(
    ctx: SageMakerContext, model: str, since: datetime.datetime
) -> list[str]:
    """The live endpoints that run ``model`` through any endpoint configuration."""
    configs: dict[str, datetime.datetime] = {}
    for summary in await ENDPOINT_CONFIG.listed(ctx, CreationTimeAfter=since - _SLACK):
        described = await ENDPOINT_CONFIG.describe(ctx, summary["EndpointConfigName"])
        if described is not None and model in models_of(described):
            configs[str(summary["EndpointConfigName"])] = summary["CreationTime"]
    if not configs:
        return []
    return await endpoints_using_configs(ctx, configs, min(configs.values()))


def models_of(config: dict[str, Any]) -> set[str]:
    """The models an endpoint configuration (as DescribeEndpointConfig reports it) names."""
    variants = [
        *config.get("ProductionVariants", []),
        *config.get("ShadowProductionVariants", []),
    ]
    return {str(v["ModelName"]) for v in variants if v.get("ModelName")}
