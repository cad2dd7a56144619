"""Each kind's spec as the SageMaker (or Application Auto Scaling) requests that create it."""

from __future__ import annotations

from typing import Any

from apis.batch_transform_job import BatchTransformJobSpec
from apis.endpoint_config import EndpointConfigSpec
from apis.generated.sagemaker import ContainerDefinition
from apis.hosting_autoscaling_policy import HostingAutoscalingPolicySpec
from apis.hosting_deployment import HostingDeploymentSpec, HostingModel
from apis.hyperparameter_tuning_job import HyperparameterTuningJobSpec
from apis.model import ModelSpec
from apis.processing_job import ProcessingJobSpec
from apis.training_job import TrainingJobSpec
from sagemaker_client.conversions.shapes import input_shape, request_for, to_request

Request = dict[str, Any]


def create_training_job(spec: TrainingJobSpec, name: str) -> Request:
    return request_for("CreateTrainingJob", spec.to_wire(), TrainingJobName=name)


def create_hyper_parameter_tuning_job(spec: HyperparameterTuningJobSpec, name: str) -> Request:
    return request_for(
        "CreateHyperParameterTuningJob", spec.to_wire(), HyperParameterTuningJobName=name
    )


def create_transform_job(spec: BatchTransformJobSpec, name: str) -> Request:
    return request_for("CreateTransformJob", spec.to_wire(), TransformJobName=name)


def create_processing_job(spec: ProcessingJobSpec, name: str) -> Request:
    return request_for("CreateProcessingJob", spec.to_wire(), ProcessingJobName=name)


def create_model(spec: ModelSpec, name: str) -> Request:
    return request_for("CreateModel", spec.to_wire(), ModelName=name)


def create_endpoint_config(spec: EndpointConfigSpec, name: str) -> Request:
    return request_for("CreateEndpointConfig", spec.to_wire(), EndpointConfigName=name)


def _hosting_containers(model: HostingModel, spec: HostingDeploymentSpec) -> list[dict[str, Any]]:
    """A model's containers, hostname references resolved against spec.containers."""
    by_hostname = {c.container_hostname: c for c in spec.containers or []}
    resolved: list[ContainerDefinition] = []
    for container in model.containers or []:
        resolved.append(by_hostname[container] if isinstance(container, str) else container)
    if not resolved and model.primary_container:
        resolved.append(by_hostname[model.primary_container])
    return [container.to_wire() for container in resolved]


def hosting_create_model(spec: HostingDeploymentSpec, model: HostingModel, name: str) -> Request:
    """The CreateModel request for one of a HostingDeployment's models."""
    wire = model.to_wire()
    containers = _hosting_containers(model, spec)
    # With one container it is the primary; several make a serial inference pipeline.
    if len(containers) == 1:
        wire["primaryContainer"] = containers[0]
        wire.pop("containers", None)
    else:
        wire["containers"] = containers
        wire.pop("primaryContainer", None)
    if spec.tags:
        wire["tags"] = [tag.to_wire() for tag in spec.tags]
    return request_for("CreateModel", wire, ModelName=name)


def hosting_create_models(
    spec: HostingDeploymentSpec, sagemaker_names: dict[str, str]
) -> list[Request]:
    """One CreateModel per spec model; `sagemaker_names` maps spec model names to SageMaker's."""
    return [hosting_create_model(spec, m, sagemaker_names[m.name]) for m in spec.models]


def hosting_create_endpoint_config(
    spec: HostingDeploymentSpec, name: str, sagemaker_names: dict[str, str]
) -> Request:
    """The endpoint configuration, its variants pointing at the SageMaker model names."""
    wire = spec.to_wire()
    for key in ("productionVariants", "shadowProductionVariants"):
        for variant in wire.get(key, []):
            if "modelName" in variant:
                variant["modelName"] = sagemaker_names[variant["modelName"]]
    return request_for("CreateEndpointConfig", wire, EndpointConfigName=name)


def hosting_create_endpoint(
    spec: HostingDeploymentSpec, endpoint_name: str, config_name: str
) -> Request:
    return request_for(
        "CreateEndpoint", spec.to_wire(), EndpointName=endpoint_name, EndpointConfigName=config_name
    )


def hosting_update_endpoint(
    spec: HostingDeploymentSpec, endpoint_name: str, config_name: str
) -> Request:
    """UpdateEndpoint to a new configuration, with the spec's retention choices."""
    return request_for(
        "UpdateEndpoint", spec.to_wire(), EndpointName=endpoint_name, EndpointConfigName=config_name
    )


def autoscaling_resource_ids(spec: HostingAutoscalingPolicySpec) -> list[str]:
    return [
        f"endpoint/{target.endpoint_name}/variant/{target.variant_name}"
        for target in spec.resource_id
    ]


def register_scalable_targets(spec: HostingAutoscalingPolicySpec) -> list[Request]:
    """One RegisterScalableTarget per variant."""
    wire = spec.to_wire()
    tags = {tag["key"]: tag["value"] for tag in wire.pop("tags", [])}
    shape = input_shape("RegisterScalableTarget", "application-autoscaling")
    requests = []
    for resource_id in autoscaling_resource_ids(spec):
        request: Request = to_request(wire, shape)
        request["ResourceId"] = resource_id
        if tags:
            request["Tags"] = tags
        requests.append(request)
    return requests


def put_scaling_policies(spec: HostingAutoscalingPolicySpec, policy_name: str) -> list[Request]:
    """One PutScalingPolicy per variant, all under one policy name."""
    shape = input_shape("PutScalingPolicy", "application-autoscaling")
    requests = []
    for resource_id in autoscaling_resource_ids(spec):
        request: Request = to_request(spec.to_wire(), shape)
        request.update(ResourceId=resource_id, PolicyName=policy_name)
        requests.append(request)
    return requests
