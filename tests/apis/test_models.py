"""The pydantic models accept the samples and the old operator's quirks, and refuse bad specs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from apis.batch_transform_job import BatchTransformJob
from apis.hosting_deployment import HostingDeployment
from apis.kinds import ALL_KINDS
from apis.processing_job import ProcessingJob
from apis.training_job import TrainingJob
from tests.apis.malformed import MALFORMED, Mutation
from tests.apis.samples import (
    PROJECT_SAMPLES,
    RESOURCE_MODELS,
    load,
    project_samples,
    shared_params,
    with_old_misspellings,
)


def test_there_is_one_project_sample_per_kind() -> None:
    kinds = sorted(load(path)["kind"] for path in project_samples())
    assert kinds == sorted(info.kind for info in ALL_KINDS)


@pytest.mark.parametrize("path", project_samples(), ids=lambda p: p.stem)
def test_project_sample_validates_and_round_trips(path: Path) -> None:
    document = load(path)
    resource = RESOURCE_MODELS[document["kind"]].model_validate(document)
    # Nothing dropped, renamed or reshaped: what was written is what is dumped.
    dumped = resource.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped["spec"] == document["spec"]


@pytest.mark.parametrize("path", shared_params())
def test_old_operator_sample_validates(path: Path) -> None:
    document = load(path)
    resource = RESOURCE_MODELS[document["kind"]].model_validate(document)
    assert resource.to_wire()["spec"]["region"] == document["spec"]["region"]


def _training_job() -> dict[str, Any]:
    return load(PROJECT_SAMPLES / "trainingjob.yaml")


def test_old_field_names_are_kept() -> None:
    spec = TrainingJob.model_validate(_training_job()).spec
    assert spec.resource_config is not None
    assert spec.resource_config.volume_size_in_gb == 5
    assert spec.hyper_parameters is not None
    assert spec.hyper_parameters[0].name == "max_depth"
    assert spec.tags is not None
    assert spec.tags[0].key == "team"
    wire = spec.to_wire()
    assert "volumeSizeInGB" in wire["resourceConfig"]
    assert "s3Uri" in wire["inputDataConfig"][0]["dataSource"]["s3DataSource"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda s: s.pop("roleArn"), "roleArn"),
        (lambda s: s.pop("region"), "region"),
        (lambda s: s["resourceConfig"].update(instanceCount=-1), "instanceCount"),
        (lambda s: s["algorithmSpecification"].update(trainingInputMode="Stream"), "trainingInput"),
        (lambda s: s["outputDataConfig"].update(s3OutputPath="my-bucket/out"), "s3OutputPath"),
        (lambda s: s.update(trainingJobName="x" * 64), "trainingJobName"),
        (lambda s: s["hyperParameters"].append({"name": "eta", "value": "1"}), "hyperParameters"),
        (lambda s: s["tags"].append({"key": "team", "value": "other"}), "tags"),
        (lambda s: s.update(tags=[{"name": "team", "value": "ml"}]), "tags"),
        (lambda s: s.update(sageMakerEndpoint="ftp://example.com"), "sageMakerEndpoint"),
        (lambda s: s.update(unknownField=True), "unknownField"),
    ],
)
def test_pydantic_refuses_a_bad_training_job(mutate: Any, field: str) -> None:
    document = _training_job()
    mutate(document["spec"])
    with pytest.raises(ValidationError, match=field):
        TrainingJob.model_validate(document)


def _hosting() -> dict[str, Any]:
    return load(PROJECT_SAMPLES / "hostingdeployment.yaml")


def test_hosting_deployment_accepts_both_container_shapes() -> None:
    by_reference = HostingDeployment.model_validate(_hosting())
    assert by_reference.spec.models[0].containers == ["xgboost"]
    inline = copy.deepcopy(_hosting())
    inline["spec"]["models"][0]["containers"] = inline["spec"].pop("containers")
    del inline["spec"]["models"][0]["primaryContainer"]
    model = HostingDeployment.model_validate(inline).spec.models[0]
    assert model.containers is not None
    assert not isinstance(model.containers[0], str)
    assert model.containers[0].container_hostname == "xgboost"


def test_hosting_deployment_refuses_an_unknown_hostname() -> None:
    document = _hosting()
    document["spec"]["models"][0]["containers"] = ["lightgbm"]
    with pytest.raises(ValidationError, match="lightgbm"):
        HostingDeployment.model_validate(document)


def test_hosting_deployment_refuses_a_variant_without_its_model() -> None:
    document = _hosting()
    document["spec"]["productionVariants"][0]["modelName"] = "missing-model"
    with pytest.raises(ValidationError, match="missing-model"):
        HostingDeployment.model_validate(document)


def test_old_operator_misspellings_fold_into_the_right_fields() -> None:
    training = TrainingJob.model_validate(with_old_misspellings("TrainingJob")).spec.to_wire()
    assert training["debugHookConfig"]["hookParameters"] == [
        {"name": "save_interval", "value": "100"}
    ]
    assert "ruleParameters" not in training["debugHookConfig"]
    transform = BatchTransformJob.model_validate(with_old_misspellings("BatchTransformJob"))
    assert transform.spec.to_wire()["dataProcessing"] == {
        "inputFilter": "$[1:]",
        "joinSource": "Input",
        "outputFilter": "$[0,-1]",
    }


def test_the_first_processing_compression_spelling_folds_into_s3_compression_type() -> None:
    processing = ProcessingJob.model_validate(with_old_misspellings("ProcessingJob"))
    s3_input = processing.spec.to_wire()["processingInputs"][0]["s3Input"]
    assert s3_input["s3CompressionType"] == "Gzip"
    assert "compressionType" not in s3_input


def test_a_map_entry_without_a_value_is_an_empty_value() -> None:
    """As in the old operator, `- name: X` (or `value:` left empty) means the value ""."""
    document = _training_job()
    document["spec"]["hyperParameters"].append({"name": "silent"})
    spec = TrainingJob.model_validate(document).spec
    assert spec.to_wire()["hyperParameters"][-1] == {"name": "silent", "value": ""}
    without_name = _training_job()
    without_name["spec"]["hyperParameters"].append({"value": "1"})
    with pytest.raises(ValidationError, match="name"):
        TrainingJob.model_validate(without_name)


def test_a_misspelling_that_contradicts_the_right_field_is_refused() -> None:
    document = with_old_misspellings("BatchTransformJob")
    document["spec"]["dataProcessing"]["joinSource"] = "None"
    with pytest.raises(ValidationError, match="join_source"):
        BatchTransformJob.model_validate(document)


@pytest.mark.parametrize(("sample", "mutate", "field"), MALFORMED)
def test_pydantic_refuses_what_the_apiserver_refuses(
    sample: str, mutate: Mutation, field: str
) -> None:
    """The operator's models and the CRDs agree on every malformed case."""
    document = copy.deepcopy(load(PROJECT_SAMPLES / f"{sample}.yaml"))
    mutate(document["spec"])
    with pytest.raises(ValidationError):
        RESOURCE_MODELS[document["kind"]].model_validate(document)
