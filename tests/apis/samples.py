"""Where the samples live, and the shared folder that is only present in development and CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apis.base import ApiModel
from apis.batch_transform_job import BatchTransformJob
from apis.endpoint_config import EndpointConfig
from apis.hosting_autoscaling_policy import HostingAutoscalingPolicy
from apis.hosting_deployment import HostingDeployment
from apis.hyperparameter_tuning_job import HyperparameterTuningJob
from apis.model import Model
from apis.processing_job import ProcessingJob
from apis.training_job import TrainingJob

REPO = Path(__file__).resolve().parents[2]
PROJECT_SAMPLES = REPO / "config" / "samples"
SHARED = REPO.parent / "shared"
SHARED_SAMPLES = SHARED / "samples"

RESOURCE_MODELS: dict[str, type[ApiModel]] = {
    model.__name__: model
    for model in (
        TrainingJob,
        HyperparameterTuningJob,
        BatchTransformJob,
        ProcessingJob,
        Model,
        EndpointConfig,
        HostingDeployment,
        HostingAutoscalingPolicy,
    )
}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def project_samples() -> list[Path]:
    return sorted(PROJECT_SAMPLES.glob("*.yaml"))


def shared_samples() -> list[Path]:
    """The old operator's samples; the tests using them skip in a user's clone."""
    if not SHARED_SAMPLES.is_dir():
        return []
    return sorted(SHARED_SAMPLES.glob("*.yaml"))


def require_shared() -> None:
    if not SHARED_SAMPLES.is_dir():
        pytest.skip(f"{SHARED_SAMPLES} is absent (a user's clone): the old operator's samples")


def shared_params() -> list[Any]:
    """Parameters over the shared samples, or one skipped parameter saying why there are none."""
    paths = shared_samples()
    if paths:
        return [pytest.param(path, id=path.stem) for path in paths]
    reason = f"{SHARED_SAMPLES} is absent (a user's clone): the old operator's samples"
    return [pytest.param(None, id="no-shared-samples", marks=pytest.mark.skip(reason=reason))]


def with_old_misspellings(kind: str) -> dict[str, Any]:
    """A project sample using the old operator's misspelt JSON tags, as its users wrote them."""
    if kind == "TrainingJob":
        document = load(PROJECT_SAMPLES / "trainingjob.yaml")
        document["spec"]["debugHookConfig"] = {
            "s3OutputPath": "s3://my-bucket/debug",
            "ruleParameters": [{"name": "save_interval", "value": "100"}],
        }
        return document
    if kind == "ProcessingJob":
        document = load(PROJECT_SAMPLES / "processingjob.yaml")
        # The old ProcessingJob CRD's first name for s3CompressionType.
        document["spec"]["processingInputs"][0]["s3Input"]["compressionType"] = "Gzip"
        return document
    document = load(PROJECT_SAMPLES / "batchtransformjob.yaml")
    document["spec"]["dataProcessing"] = {
        "inputFilter": "$[1:]",
        "JoinSource": "Input",
        "OutputFilter": "$[0,-1]",
    }
    return document
