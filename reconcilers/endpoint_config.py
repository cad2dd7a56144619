"""EndpointConfig: Create/Describe/DeleteEndpointConfig, a new one per spec generation."""

from __future__ import annotations

import datetime

from apis.endpoint_config import ENDPOINT_CONFIG
from reconcilers.context import SageMakerContext
from reconcilers.endpoint_users import endpoints_using_configs
from reconcilers.immutable_object import ImmutableObject, ImmutableObjectKind
from reconcilers.kinds import ENDPOINT_CONFIG_KIND
from reconcilers.sagemaker_nouns import ENDPOINT_CONFIG as ENDPOINT_CONFIG_NOUN
from sagemaker_client.conversions.requests import create_endpoint_config
from sagemaker_client.conversions.statuses import endpoint_config_status


async def _users(ctx: SageMakerContext, name: str, created: datetime.datetime) -> list[str]:
    return await endpoints_using_configs(ctx, [name], created)


ENDPOINT_CONFIG_DESCRIPTOR = ImmutableObjectKind(
    ImmutableObject(
        kind=ENDPOINT_CONFIG_KIND,
        info=ENDPOINT_CONFIG,
        noun=ENDPOINT_CONFIG_NOUN,
        label="endpoint configuration",
        name_field="endpointConfigName",
        status_name_field="sageMakerEndpointConfigName",
        build_request=create_endpoint_config,
        status_from_describe=endpoint_config_status,
        users=_users,
    )
)
