"""Model: a SageMaker model (CreateModel) as a Kubernetes resource."""

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
from apis.generated.sagemaker import CreateModelRequest


class ModelSpec(CreateModelRequest, SageMakerConnection):
    """The CreateModel request, plus where to send it. Its primaryContainer is a whole container."""


class ModelStatus(ResourceStatus):
    """What SageMaker last said about the model."""

    status: str | None = Field(
        None,
        description="Created once SageMaker has the model; SynchronizingK8sJobWithSageMaker "
        "before, Failed when SageMaker refused it, Deleting while it is removed.",
    )
    sage_maker_model_name: str | None = Field(
        None, alias="sageMakerModelName", description="The model's name in SageMaker."
    )
    model_arn: str | None = Field(None, alias="modelArn", description="The model's ARN.")
    last_update_time: Timestamp | None = Field(
        None, alias="lastUpdateTime", description="When SageMaker created the current model."
    )


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
        PrinterColumn("Sage-Maker-Model-Name", ".status.sageMakerModelName"),
    ),
    description="A SageMaker model.",
    immutable_spec=False,
    spec_rules=(REGION_IS_IMMUTABLE,),
)
