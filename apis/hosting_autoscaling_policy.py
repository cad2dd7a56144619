"""HostingAutoscalingPolicy: Application Auto Scaling for endpoint variants.

One resource registers each listed variant as a scalable target (RegisterScalableTarget)
and attaches one scaling policy to it (PutScalingPolicy); the old operator's field names
are kept, with `resourceId` a list of endpoint/variant pairs rather than AWS's string.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from apis.base import ApiModel, ListMapKey, unique_items
from apis.common import (
    API_VERSION,
    CREATION_TIME,
    REGION_IS_IMMUTABLE,
    KindInfo,
    ObjectMeta,
    PrinterColumn,
    ResourceStatus,
    SageMakerConnection,
)
from apis.generated.application_autoscaling import (
    PredictiveScalingPolicyConfiguration,
    StepScalingPolicyConfiguration,
    SuspendedState,
    TargetTrackingScalingPolicyConfiguration,
)
from apis.generated.sagemaker import Tag

Name = Annotated[
    str, Field(min_length=1, max_length=63, pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
]


class AutoscalingResource(ApiModel):
    """One endpoint variant to scale; its AWS resource id is endpoint/NAME/variant/VARIANT."""

    endpoint_name: Name = Field(alias="endpointName", description="The SageMaker endpoint name.")
    variant_name: Name = Field(alias="variantName", description="The production variant name.")


class HostingAutoscalingPolicySpec(SageMakerConnection):
    """The variants to scale, their bounds, and the policy that scales them."""

    resource_id: Annotated[list[AutoscalingResource], Field(min_length=1, max_length=20)] = Field(
        alias="resourceId", description="The endpoint variants the policy scales."
    )
    min_capacity: int = Field(
        alias="minCapacity", ge=0, description="The fewest instances each variant may scale to."
    )
    max_capacity: int = Field(
        alias="maxCapacity", ge=0, description="The most instances each variant may scale to."
    )
    scalable_dimension: Literal["sagemaker:variant:DesiredInstanceCount"] = Field(
        "sagemaker:variant:DesiredInstanceCount",
        alias="scalableDimension",
        description="What scales: sagemaker:variant:DesiredInstanceCount.",
    )
    service_namespace: Literal["sagemaker"] = Field(
        "sagemaker", alias="serviceNamespace", description="The AWS service: sagemaker."
    )
    policy_name: str | None = Field(
        None,
        alias="policyName",
        min_length=1,
        max_length=256,
        description="The scaling policy's name (default SageMakerEndpointInvocationScalingPolicy, "
        "as the old operator's).",
    )
    policy_type: Literal["TargetTrackingScaling", "StepScaling", "PredictiveScaling"] = Field(
        "TargetTrackingScaling", alias="policyType", description="The kind of scaling policy."
    )
    target_tracking_scaling_policy_configuration: (
        TargetTrackingScalingPolicyConfiguration | None
    ) = Field(
        None,
        alias="targetTrackingScalingPolicyConfiguration",
        description="Scale to keep a metric at a target value.",
    )
    step_scaling_policy_configuration: StepScalingPolicyConfiguration | None = Field(
        None,
        alias="stepScalingPolicyConfiguration",
        description="Scale in steps when a CloudWatch alarm fires.",
    )
    predictive_scaling_policy_configuration: PredictiveScalingPolicyConfiguration | None = Field(
        None,
        alias="predictiveScalingPolicyConfiguration",
        description="Scale ahead of forecast load.",
    )
    suspended_state: SuspendedState | None = Field(
        None, alias="suspendedState", description="Suspend scaling in, out, or scheduled scaling."
    )
    role_arn: str | None = Field(
        None,
        alias="roleARN",
        min_length=1,
        max_length=1600,
        description="The IAM role Application Auto Scaling uses (its service-linked role "
        "when absent).",
    )
    tags: Annotated[list[Tag], ListMapKey("key"), unique_items("key")] | None = Field(
        None, max_length=50, description="Tags for the scalable targets."
    )


class HostingAutoscalingPolicyStatus(ResourceStatus):
    """What Application Auto Scaling last said about the policy."""

    hosting_autoscaling_policy_status: str | None = Field(
        None,
        alias="hostingAutoscalingPolicyStatus",
        description="SynchronizingK8sJobWithSageMaker, Reconciling (waiting for an endpoint "
        "or applying), Created, Failed (refused by Application Auto Scaling), or Deleting.",
    )
    policy_name: str | None = Field(None, alias="policyName", description="The policy's name.")
    resource_id_list: list[str] | None = Field(
        None, alias="resourceIDList", description="The AWS resource ids scaled by the policy."
    )
    policy_arns: list[str] | None = Field(
        None,
        alias="policyArns",
        description="The scaling policy's ARN on each resource, in resourceIDList's order.",
    )


class HostingAutoscalingPolicy(ApiModel):
    """A whole HostingAutoscalingPolicy resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["HostingAutoscalingPolicy"] = "HostingAutoscalingPolicy"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: HostingAutoscalingPolicySpec
    status: HostingAutoscalingPolicyStatus | None = None


HOSTING_AUTOSCALING_POLICY = KindInfo(
    kind="HostingAutoscalingPolicy",
    plural="hostingautoscalingpolicies",
    short_names=("hap",),
    spec=HostingAutoscalingPolicySpec,
    status=HostingAutoscalingPolicyStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.hostingAutoscalingPolicyStatus"),
        CREATION_TIME,
    ),
    description="Application Auto Scaling for SageMaker endpoint variants.",
    immutable_spec=False,
    spec_rules=(REGION_IS_IMMUTABLE,),
)
