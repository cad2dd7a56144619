"""Resources exactly as AWS's old operator left them: its SageMaker names, its status shape
(no conditions, no observedGeneration), its finalizer, and nothing tagged in SageMaker."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from pydantic import BaseModel

from apis.batch_transform_job import BatchTransformJobSpec
from apis.hyperparameter_tuning_job import HyperparameterTuningJobSpec
from apis.processing_job import ProcessingJobSpec
from apis.training_job import TrainingJobSpec
from reconcilers.naming import derived_name
from reconcilers.ownership import OWNER_TAG
from reconcilers.resource_core import FINALIZER
from sagemaker_client.conversions.requests import (
    create_hyper_parameter_tuning_job,
    create_processing_job,
    create_training_job,
    create_transform_job,
)
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import GROUP, PLURALS, VERSION, Kube, sample

MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class OldJob:
    """A job kind as the old operator handled it."""

    kind: str
    spec: type[BaseModel]
    request: Callable[[Any, str], dict[str, Any]]
    noun: str  # TrainingJob, HyperParameterTuningJob, TransformJob, ProcessingJob
    status_field: str
    name_field: str
    limit: int

    @property
    def create(self) -> str:
        return f"Create{self.noun}"

    def describe(self) -> str:
        return str(xform_name(f"Describe{self.noun}"))


OLD_JOBS = [
    OldJob("TrainingJob", TrainingJobSpec, create_training_job, "TrainingJob",
           "trainingJobStatus", "sageMakerTrainingJobName", 63),
    OldJob("HyperparameterTuningJob", HyperparameterTuningJobSpec,
           create_hyper_parameter_tuning_job, "HyperParameterTuningJob",
           "hyperParameterTuningJobStatus", "sageMakerHyperParameterTuningJobName", 32),
    OldJob("BatchTransformJob", BatchTransformJobSpec, create_transform_job, "TransformJob",
           "transformJobStatus", "sageMakerTransformJobName", 63),
    OldJob("ProcessingJob", ProcessingJobSpec, create_processing_job, "ProcessingJob",
           "processingJobStatus", "sageMakerProcessingJobName", 63),
]  # fmt: skip


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def old_resource(kube: Kube, body: dict[str, Any]) -> dict[str, Any]:
    """The resource with the old operator's finalizer, as it added it before anything else."""
    body["metadata"]["finalizers"] = [FINALIZER]
    return await kube.create(body)


async def write_old_status(kube: Kube, kind: str, name: str, status: dict[str, Any]) -> None:
    await kube.objects.patch_namespaced_custom_object_status(
        GROUP, VERSION, kube.namespace, PLURALS[kind], name, {"status": status},
        _content_type=MERGE_PATCH,
    )  # fmt: skip


def old_name(created: dict[str, Any], limit: int) -> str:
    meta = created["metadata"]
    return derived_name(meta["name"], meta["uid"], limit)


async def old_job(
    kube: Kube, emulator: RunningEmulator, job: OldJob, name: str, *, status_written: bool = True
) -> tuple[dict[str, Any], str]:
    """A job the old operator started: the resource, and its SageMaker job (untagged)."""
    created = await old_resource(kube, sample(job.kind, name))
    sagemaker_name = old_name(created, job.limit)
    spec = job.spec.model_validate(created["spec"])
    request = job.request(spec, sagemaker_name)
    request["Tags"] = [t for t in request.get("Tags", []) if t["Key"] != OWNER_TAG]
    async with emulator.client("sagemaker") as sagemaker:
        await getattr(sagemaker, xform_name(job.create))(**request)
    if status_written:
        await write_old_status(
            kube, job.kind, name,
            {job.status_field: "InProgress", job.name_field: sagemaker_name,
             "lastCheckTime": now()},
        )  # fmt: skip
    return created, sagemaker_name


async def tags_of(emulator: RunningEmulator, arn: str) -> dict[str, str]:
    async with emulator.client("sagemaker") as sagemaker:
        listed = await sagemaker.list_tags(ResourceArn=arn)
    return {tag["Key"]: tag["Value"] for tag in listed["Tags"]}


@dataclass
class OldHostingDeployment:
    """A HostingDeployment as the old operator left it, with its two child objects."""

    hosting: dict[str, Any]
    model: dict[str, Any]
    config: dict[str, Any]
    endpoint_name: str
    model_name: str
    config_name: str
    arns: dict[str, str]  # endpoint, config, model -> ARN

    def arns_and_owners(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (self.arns["endpoint"], self.hosting),
            (self.arns["config"], self.config),
            (self.arns["model"], self.model),
        ]

    async def wait_children_gone(self, kube: Kube) -> None:
        for kind, child in (("Model", self.model), ("EndpointConfig", self.config)):
            await kube.wait_for(
                kind, child["metadata"]["name"], lambda o: o is None, seconds=60,
                what="the old operator's object deleted",
            )  # fmt: skip

    async def sagemaker_leftovers(self, emulator: RunningEmulator) -> list[str]:
        """The old operator's model and configuration, if they still exist in SageMaker."""
        async with emulator.client("sagemaker") as sagemaker:
            models = await sagemaker.list_models(NameContains=self.model_name)
            configs = await sagemaker.list_endpoint_configs(NameContains=self.config_name)
        return [m["ModelName"] for m in models["Models"]] + [
            c["EndpointConfigName"] for c in configs["EndpointConfigs"]
        ]


async def old_hosting_deployment(
    kube: Kube, emulator: RunningEmulator, name: str
) -> OldHostingDeployment:
    """The old operator kept an endpoint's models and configuration as Model and
    EndpointConfig objects, named <name>-<generation>-<uid> and labelled with their
    HostingDeployment; each SageMaker name is derived from its object's own uid."""
    hosting = await old_resource(kube, sample("HostingDeployment", name))
    uid = hosting["metadata"]["uid"].replace("-", "")
    spec = hosting["spec"]
    container, region = spec["containers"][0], spec["region"]
    role = spec["models"][0]["executionRoleArn"]
    labels = {"owner_HostingDeployment_namespace": kube.namespace,
              "owner_HostingDeployment_name": name}  # fmt: skip
    model = await old_resource(kube, {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "Model",
        "metadata": {"name": f"xgboost-model-1-{uid}", "labels": labels},
        "spec": {"region": region, "executionRoleArn": role, "primaryContainer": container},
    })  # fmt: skip
    model_name = old_name(model, 63)
    variants = [{"variantName": "all-traffic", "modelName": model_name,
                 "initialInstanceCount": 1, "instanceType": "ml.c5.large"}]  # fmt: skip
    config = await old_resource(kube, {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "EndpointConfig",
        "metadata": {"name": f"{name}-1-{uid}", "labels": labels},
        "spec": {"region": region, "productionVariants": variants},
    })  # fmt: skip
    config_name, endpoint_name = old_name(config, 63), old_name(hosting, 63)
    async with emulator.client("sagemaker") as sagemaker:
        made_model = await sagemaker.create_model(
            ModelName=model_name, ExecutionRoleArn=role,
            PrimaryContainer={"ContainerHostname": container["containerHostname"],
                              "Image": container["image"],
                              "ModelDataUrl": container["modelDataUrl"]},
        )  # fmt: skip
        made_config = await sagemaker.create_endpoint_config(
            EndpointConfigName=config_name,
            ProductionVariants=[{"VariantName": "all-traffic", "ModelName": model_name,
                                 "InitialInstanceCount": 1, "InstanceType": "ml.c5.large"}],
        )  # fmt: skip
        made_endpoint = await sagemaker.create_endpoint(
            EndpointName=endpoint_name, EndpointConfigName=config_name
        )
        async with asyncio.timeout(30):
            while (await sagemaker.describe_endpoint(EndpointName=endpoint_name))[
                "EndpointStatus"
            ] != "InService":
                await asyncio.sleep(0.1)
    for kind, child, status in (
        ("Model", model["metadata"]["name"],
         {"status": "Created", "sageMakerModelName": model_name,
          "modelArn": made_model["ModelArn"]}),
        ("EndpointConfig", config["metadata"]["name"],
         {"status": "Created", "sageMakerEndpointConfigName": config_name,
          "endpointConfigArn": made_config["EndpointConfigArn"]}),
        ("HostingDeployment", name,
         {"endpointStatus": "InService", "endpointName": endpoint_name,
          "endpointArn": made_endpoint["EndpointArn"], "endpointConfigName": config_name,
          "modelNames": [{"name": "xgboost-model", "value": model_name}]}),
    ):  # fmt: skip
        await write_old_status(kube, kind, child, {**status, "lastCheckTime": now()})
    return OldHostingDeployment(
        hosting, model, config, endpoint_name, model_name, config_name,
        {"endpoint": made_endpoint["EndpointArn"], "config": made_config["EndpointConfigArn"],
         "model": made_model["ModelArn"]},
    )  # fmt: skip
