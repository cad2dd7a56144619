"""HostingDeployment: a whole SageMaker endpoint (models, endpoint config, endpoint) at once.

Two shapes of `models[].containers` are accepted, as the old operator documented both:
its user guide's (hostnames referring to a top-level `spec.containers`, with
`primaryContainer` a hostname) and its later samples' (container objects inline). A
structural CRD schema cannot say "string or object", so that one list is left open in
the CRD and checked by pydantic (`HostingModel`) and by `container_references`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from apis.base import ApiModel, ListMapKey, PreserveUnknownFields, unique_items
from apis.common import (
    API_VERSION,
    REGION_IS_IMMUTABLE,
    KindInfo,
    NameValue,
    ObjectMeta,
    PrinterColumn,
    ResourceStatus,
    SageMakerConnection,
    Timestamp,
)
from apis.generated.sagemaker import (
    AsyncInferenceConfig,
    ContainerDefinition,
    DataCaptureConfig,
    DeploymentConfig,
    ExplainerConfig,
    InferenceExecutionConfig,
    MetricsConfig,
    ProductionVariant,
    Tag,
    VariantProperty,
    VpcConfig,
)

RoleArn = Annotated[
    str,
    Field(
        min_length=20,
        max_length=2048,
        pattern=r"^(?:arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)$",
    ),
]
Tags = Annotated[list[Tag], ListMapKey("key"), unique_items("key"), Field(max_length=50)]
Variants = Annotated[list[ProductionVariant], Field(min_length=1, max_length=10)]
ContainerOrHostname = Annotated[ContainerDefinition | str, PreserveUnknownFields()]


class HostingModel(ApiModel):
    """A model of the endpoint: CreateModel's fields, containers inline or by hostname."""

    name: str = Field(
        min_length=1,
        max_length=63,
        pattern=r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$",
        description="The model's name in this resource; productionVariants refer to it.",
    )
    execution_role_arn: RoleArn = Field(
        alias="executionRoleArn", description="The IAM role SageMaker assumes to run the model."
    )
    containers: Annotated[list[ContainerOrHostname], Field(min_length=1, max_length=15)] | None = (
        Field(
            None,
            description="Container definitions, or hostnames of entries in spec.containers.",
        )
    )
    primary_container: str | None = Field(
        None,
        alias="primaryContainer",
        max_length=63,
        description="The hostname of the primary container (ignored with several containers).",
    )
    inference_execution_config: InferenceExecutionConfig | None = Field(
        None, alias="inferenceExecutionConfig", description="How multiple containers are invoked."
    )
    enable_network_isolation: StrictBool | None = Field(
        None, alias="enableNetworkIsolation", description="Isolate the containers from the network."
    )
    vpc_config: VpcConfig | None = Field(
        None, alias="vpcConfig", description="The VPC the model's containers run in."
    )

    @model_validator(mode="after")
    def _has_a_container(self) -> HostingModel:
        if not self.containers and not self.primary_container:
            raise ValueError(f"model {self.name!r} needs containers or a primaryContainer")
        return self


class HostingDeploymentSpec(SageMakerConnection):
    """The endpoint's models, its configuration, and where to deploy it."""

    endpoint_name: str | None = Field(
        None,
        alias="endpointName",
        max_length=63,
        pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
        description="A fixed SageMaker endpoint name; derived from the resource when absent.",
    )
    production_variants: Variants = Field(
        alias="productionVariants", description="The models to host and the instances for each."
    )
    models: Annotated[list[HostingModel], ListMapKey("name"), unique_items("name")] = Field(
        max_length=10, description="The models the production variants refer to by name."
    )
    containers: Annotated[list[ContainerDefinition], Field(max_length=15)] | None = Field(
        None, description="Container definitions that models refer to by containerHostname."
    )
    kms_key_id: str | None = Field(
        None,
        alias="kmsKeyId",
        max_length=2048,
        description="The KMS key that encrypts the storage volumes of the endpoint's instances.",
    )
    data_capture_config: DataCaptureConfig | None = Field(
        None, alias="dataCaptureConfig", description="Capture requests and responses to S3."
    )
    async_inference_config: AsyncInferenceConfig | None = Field(
        None, alias="asyncInferenceConfig", description="Make the endpoint asynchronous."
    )
    explainer_config: ExplainerConfig | None = Field(
        None, alias="explainerConfig", description="Enable online explainability."
    )
    shadow_production_variants: Variants | None = Field(
        None, alias="shadowProductionVariants", description="Variants that shadow live traffic."
    )
    execution_role_arn: RoleArn | None = Field(
        None, alias="executionRoleArn", description="The endpoint configuration's IAM role."
    )
    vpc_config: VpcConfig | None = Field(
        None, alias="vpcConfig", description="The endpoint configuration's VPC."
    )
    enable_network_isolation: StrictBool | None = Field(
        None, alias="enableNetworkIsolation", description="Isolate the endpoint's containers."
    )
    metrics_config: MetricsConfig | None = Field(
        None, alias="metricsConfig", description="Endpoint metrics publishing."
    )
    deployment_config: DeploymentConfig | None = Field(
        None, alias="deploymentConfig", description="How an endpoint update is rolled out."
    )
    retain_all_variant_properties: StrictBool | None = Field(
        None,
        alias="retainAllVariantProperties",
        description="On update, keep the variants' current instance counts, weights and data "
        "capture (as autoscaling left them) instead of the spec's.",
    )
    exclude_retained_variant_properties: (
        Annotated[list[VariantProperty], Field(max_length=3)] | None
    ) = Field(
        None,
        alias="excludeRetainedVariantProperties",
        description="With retainAllVariantProperties, the properties to take from the spec.",
    )
    retain_deployment_config: StrictBool | None = Field(
        None,
        alias="retainDeploymentConfig",
        description="On update, keep the endpoint's current deploymentConfig.",
    )
    tags: Tags | None = Field(None, description="Tags for every SageMaker object created.")

    @model_validator(mode="after")
    def _references_resolve(self) -> HostingDeploymentSpec:
        hostnames = {c.container_hostname for c in self.containers or []}
        for model in self.models:
            for ref in container_references(model):
                if ref not in hostnames:
                    raise ValueError(
                        f"model {model.name!r} refers to container {ref!r}, "
                        "which spec.containers does not define"
                    )
        names = {model.name for model in self.models}
        for index, variant in enumerate(self.production_variants):
            if variant.model_name is not None and variant.model_name not in names:
                raise ValueError(
                    f"spec.productionVariants[{index}].modelName {variant.model_name!r} names "
                    f"no model of spec.models (it has {', '.join(sorted(names))}); make it one "
                    "of those names"
                )
        return self


def container_references(model: HostingModel) -> list[str]:
    """The hostnames a model takes from spec.containers (the user guide's shape)."""
    refs = [c for c in model.containers or [] if isinstance(c, str)]
    if model.primary_container and not any(
        isinstance(c, ContainerDefinition) for c in model.containers or []
    ):
        refs.append(model.primary_container)
    return refs


class DeployedImage(ApiModel):
    """An image a variant runs: as specified, as resolved to a digest, and when."""

    specified_image: str | None = Field(
        None, alias="specifiedImage", description="The image as the model names it."
    )
    resolved_image: str | None = Field(
        None, alias="resolvedImage", description="The image digest SageMaker deployed."
    )
    resolution_time: Timestamp | None = Field(
        None, alias="resolutionTime", description="When SageMaker resolved the image."
    )


class VariantStatus(ApiModel):
    """The current and desired state of one production variant."""

    variant_name: str | None = Field(None, alias="variantName", description="The variant.")
    current_instance_count: int | None = Field(
        None, alias="currentInstanceCount", description="Instances serving now."
    )
    desired_instance_count: int | None = Field(
        None, alias="desiredInstanceCount", description="Instances requested."
    )
    current_weight: float | None = Field(
        None, alias="currentWeight", description="The variant's traffic weight now."
    )
    desired_weight: float | None = Field(
        None, alias="desiredWeight", description="The traffic weight requested."
    )
    deployed_images: list[DeployedImage] | None = Field(
        None, alias="deployedImages", description="The images the variant runs."
    )


class HostingDeploymentStatus(ResourceStatus):
    """What SageMaker last said about the endpoint."""

    endpoint_status: str | None = Field(
        None,
        alias="endpointStatus",
        description="SageMaker's endpoint status (Creating, InService, ...), "
        "or ReconcilingEndpoint while the operator works.",
    )
    endpoint_name: str | None = Field(None, alias="endpointName", description="The endpoint.")
    endpoint_arn: str | None = Field(None, alias="endpointArn", description="The endpoint's ARN.")
    endpoint_config_name: str | None = Field(
        None, alias="endpointConfigName", description="The endpoint configuration in use."
    )
    endpoint_url: str | None = Field(
        None, alias="endpointUrl", description="The HTTPS URL that invokes the endpoint."
    )
    model_names: list[NameValue] | None = Field(
        None, alias="modelNames", description="Each spec model name and its SageMaker name."
    )
    production_variants: list[VariantStatus] | None = Field(
        None, alias="productionVariants", description="Counts and weights of each variant."
    )
    creation_time: Timestamp | None = Field(
        None, alias="creationTime", description="When SageMaker created the endpoint."
    )
    last_modified_time: Timestamp | None = Field(
        None, alias="lastModifiedTime", description="When the endpoint last changed."
    )
    failure_reason: str | None = Field(
        None, alias="failureReason", description="Why SageMaker failed the endpoint."
    )


class HostingDeployment(ApiModel):
    """A whole HostingDeployment resource as stored by the apiserver."""

    api_version: Literal["sagemaker.aws.amazon.com/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["HostingDeployment"] = "HostingDeployment"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: HostingDeploymentSpec
    status: HostingDeploymentStatus | None = None


HOSTING_DEPLOYMENT = KindInfo(
    kind="HostingDeployment",
    plural="hostingdeployments",
    short_names=("hd",),
    spec=HostingDeploymentSpec,
    status=HostingDeploymentStatus,
    printer_columns=(
        PrinterColumn("Status", ".status.endpointStatus"),
        # The old operator's spelling; kubectl shows it upper-cased either way.
        PrinterColumn("Sagemaker-endpoint-name", ".status.endpointName"),
    ),
    description="A SageMaker endpoint with its models and endpoint configuration.",
    immutable_spec=False,
    spec_rules=(
        REGION_IS_IMMUTABLE,
        (
            "has(self.endpointName) == has(oldSelf.endpointName) && "
            "(!has(self.endpointName) || self.endpointName == oldSelf.endpointName)",
            "spec.endpointName is immutable: it names the SageMaker endpoint this resource "
            "owns. To serve under another name, create a new HostingDeployment",
        ),
    ),
)
