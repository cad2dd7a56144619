"""EndpointConfig: a SageMaker endpoint configuration (CreateEndpointConfig)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from apis.base import ApiModel
from apis.common import (
    API_VERSION,
    REGION_IS_IMMUTABLE,
    KindInfo,
    ObjectMeta,
    PrinterColumn,
    ResourceStatus,
    SageMakerConnection,
    Timestamp,
)
from apis.generated.sagemaker import CreateEndpointConfigRequest


class EndpointConfigSpec(CreateEndpointConfigRequest, SageMakerConnection):
    """The CreateEndpointConfig request, plus where to send it."""


class EndpointConfigStatus(ResourceStatus):
    """What SageMaker last said about the endpoint configuration."""

    status: str | None = Field(
        None,
        description="Created once SageMaker has the configuration; "
        "SynchronizingK8sJobWithSageMaker before, Failed when SageMaker refused it, Deleting "
        "while it is removed.",
    )
    sage_maker_endpoint_config_name: str | None = Field(
        None,
        alias="sageMakerEndpointConfigName",
        description="The endpoint configuration's name in SageMaker.",
    )
    endpoint_config_arn: str | None = Field(
        None, alias="endpointConfigArn", description="The endpoint configuration's ARN."
    )
    last_update_time: Timestamp | None = Field(
        None,
        alias="lastUpdateTime",
        description="When SageMaker created the current endpoint configuration.",
    )


class EndpointConfig(ApiModel):
    """A whole EndpointConfig resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["EndpointConfig"] = "EndpointConfig"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: EndpointConfigSpec
    status: EndpointConfigStatus | None = None


ENDPOINT_CONFIG = KindInfo(
    kind="EndpointConfig",
    plural="endpointconfigs",
    short_names=(),
    spec=EndpointConfigSpec,
    status=EndpointConfigStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.status"),
        PrinterColumn("Sage-Maker-EndpointConfig-Name", ".status.sageMakerEndpointConfigName"),
    ),
    description="A SageMaker endpoint configuration.",
    immutable_spec=False,
    spec_rules=(REGION_IS_IMMUTABLE,),
)
