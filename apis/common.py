"""What every kind shares: region and endpoint, conditions, the status core, kind metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, Field

from apis.base import ApiModel, ListMapKey, StringFormat, unique_items

GROUP = "sagemaker.aws.amazon.com"
VERSION = "v1"
API_VERSION: Final = "sagemaker.aws.amazon.com/v1"
CATEGORY = "sagemaker"

Timestamp = Annotated[datetime, StringFormat("date-time")]

# Job specs are immutable once applied; the apiserver says so with this message.
IMMUTABLE_JOB_MESSAGE = (
    "spec is immutable: SageMaker cannot change a job once created. To run a changed job, "
    "apply it under a new metadata.name, or delete this resource and create it again"
)


class SageMakerConnection(ApiModel):
    """Where the resource lives in AWS: every kind names its region and may name an endpoint."""

    region: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z]{2}(-[a-z0-9]+)+-\d+$",
        description="The AWS region of the SageMaker resource, for example us-west-2.",
    )
    sage_maker_endpoint: str | None = Field(
        None,
        alias="sageMakerEndpoint",
        max_length=2048,
        pattern=r"^(https|http)://.*$",
        description="A custom SageMaker API endpoint URL (http:// or https://) to use instead "
        "of the region's.",
    )


class Condition(ApiModel):
    """A standard Kubernetes condition (metav1.Condition), so `kubectl wait` works."""

    type: str = Field(
        max_length=316,
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
        r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
        description="The condition type: Synced, Complete, Failed (jobs) or Synced, Ready.",
    )
    status: Literal["True", "False", "Unknown"] = Field(
        description="Whether the condition holds: True, False or Unknown."
    )
    observed_generation: int | None = Field(
        None,
        alias="observedGeneration",
        ge=0,
        description="The metadata.generation the condition was computed from.",
    )
    last_transition_time: Timestamp = Field(
        alias="lastTransitionTime", description="When the condition last changed status."
    )
    reason: str = Field(
        min_length=1,
        max_length=1024,
        pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        description="A CamelCase machine-readable reason for the last transition.",
    )
    message: str = Field(
        max_length=32768, description="A human-readable message about the transition."
    )


Conditions = Annotated[list[Condition], ListMapKey("type"), unique_items("type")]


class ResourceStatus(ApiModel):
    """The status fields every kind carries."""

    additional: str | None = Field(
        None, description="More about the status: a failure reason or the operator's error."
    )
    last_check_time: Timestamp | None = Field(
        None, alias="lastCheckTime", description="When the operator last asked SageMaker."
    )
    observed_generation: int | None = Field(
        None,
        alias="observedGeneration",
        ge=0,
        description="The metadata.generation the status describes.",
    )
    conditions: Conditions | None = Field(
        None, description="Standard conditions: Synced, Complete, Failed for jobs; Synced, Ready."
    )


class NameValue(ApiModel):
    """A `{name, value}` pair, the old operator's way of writing a map in status."""

    name: str = Field(description="The key.")
    value: str = Field("", description="The value.")


class ObjectMeta(BaseModel):
    """The part of metadata the operator reads; the apiserver validates the rest."""

    model_config = {"extra": "allow"}

    name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    generation: int | None = None


@dataclass(frozen=True)
class PrinterColumn:
    """A `kubectl get` column."""

    name: str
    json_path: str
    type: str = "string"
    format: str | None = None
    description: str = ""

    def to_crd(self) -> dict[str, Any]:
        column: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.format:
            column["format"] = self.format
        if self.description:
            column["description"] = self.description
        column["jsonPath"] = self.json_path
        return column


# The old operator's column exactly, format `date` included: kubectl prints a string
# column as it is whatever its format, so the old and new columns read the same.
CREATION_TIME = PrinterColumn(
    "Creation-Time",
    ".metadata.creationTimestamp",
    format="date",
    description="When the resource was created.",
)


# SageMaker objects cannot move between regions: a hosting kind's region is fixed.
REGION_IS_IMMUTABLE = (
    "self.region == oldSelf.region",
    "spec.region is immutable: the SageMaker objects live in that region. To use another "
    "region, delete this resource and create it again",
)


@dataclass(frozen=True)
class KindInfo:
    """Everything the CRD of a kind needs beyond its models."""

    kind: str
    plural: str
    short_names: tuple[str, ...]
    spec: type[ApiModel]
    status: type[ApiModel]
    printer_columns: tuple[PrinterColumn, ...]
    description: str
    immutable_spec: bool
    # CEL rules on `spec` (rule, message), checked by the apiserver on create and update.
    spec_rules: tuple[tuple[str, str], ...] = ()

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"
