"""Resources exactly as AWS's old operator left them: its SageMaker names, its status shape
(no conditions, no observedGeneration), its finalizer, and nothing tagged in SageMaker."""

from __future__ import annotations

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
