"""Model: a SageMaker model (CreateModel) as a Kubernetes resource."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from apis.base import ApiModel
from apis.common import (
    API_VERSION,
    KindInfo,
    ObjectMeta,
    PrinterColumn,
    ResourceStatus,
    SageMakerConnection,
)
from apis.generated.sagemaker import CreateModelRequest


class ModelSpec(CreateModelRequest, SageMakerConnection):
    """The CreateModel request, plus where to send it. Its primaryContainer is a whole container."""


class ModelStatus(ResourceStatus):
    """What SageMaker last said about the model."""

    status: str | None = Field(
        None, description="Created once SageMaker has the model, or the operator's state."
    )
    sage_maker_model_name: str | None = Field(
        None, alias="sageMakerModelName", description="The model's name in SageMaker."
    )
    model_arn: str | None = Field(None, alias="modelArn", description="The model's ARN.")


class Model(ApiModel):
    """A whole Model resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["Model"] = "Model"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ModelSpec
    status: ModelStatus | None = None


MODEL = KindInfo(
    kind="Model",
    plural="models",
    short_names=(),
    spec=ModelSpec,
    status=ModelStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.status"),
        PrinterColumn("Sagemaker-Model-Name", ".status.sageMakerModelName"),
    ),
    description="A SageMaker model.",
    immutable_spec=False,
)
