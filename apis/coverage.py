"""How much of each SageMaker request the specs cover, checked member by member, all the way down.

`python -m apis.coverage` prints the table; `tests/apis/test_coverage.py` fails when a
request member has no spec field or a spec field maps to no member, other than the
operator's own fields and the old operator's renamings listed here with their reasons.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

import botocore.session
from pydantic import BaseModel

from apis.batch_transform_job import BatchTransformJobSpec
from apis.endpoint_config import EndpointConfigSpec
from apis.hosting_autoscaling_policy import HostingAutoscalingPolicySpec
from apis.hosting_deployment import HostingDeploymentSpec, HostingModel
from apis.hyperparameter_tuning_job import HyperparameterTuningJobSpec
from apis.model import ModelSpec
from apis.naming import json_name
from apis.processing_job import ProcessingJobSpec
from apis.training_job import TrainingJobSpec

# Where SageMaker is, not what to ask it: on every kind, in no request.
CONNECTION_FIELDS = frozenset({"region", "sageMakerEndpoint"})


@dataclass(frozen=True)
class RequestPart:
    """One request a spec (or a part of it) feeds, and how the names differ."""

    service: str
    operation: str
    # Members the operator sets itself (derived names, resolved references).
    operator_members: frozenset[str] = frozenset()
    # Member -> spec field for the old operator's renamings; checked no deeper.
    renamed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KindCoverage:
    kind: str
    spec: type[BaseModel]
    parts: tuple[RequestPart, ...]
    operator_fields: frozenset[str] = CONNECTION_FIELDS


def _sagemaker(operation: str, *operator: str, **renamed: str) -> RequestPart:
    return RequestPart("sagemaker", operation, frozenset(operator), renamed)


KINDS = (
    KindCoverage("TrainingJob", TrainingJobSpec, (_sagemaker("CreateTrainingJob"),)),
    KindCoverage(
        "HyperparameterTuningJob",
        HyperparameterTuningJobSpec,
        (_sagemaker("CreateHyperParameterTuningJob"),),
    ),
    KindCoverage("BatchTransformJob", BatchTransformJobSpec, (_sagemaker("CreateTransformJob"),)),
    KindCoverage("ProcessingJob", ProcessingJobSpec, (_sagemaker("CreateProcessingJob"),)),
    KindCoverage("Model", ModelSpec, (_sagemaker("CreateModel"),)),
    KindCoverage("EndpointConfig", EndpointConfigSpec, (_sagemaker("CreateEndpointConfig"),)),
    KindCoverage(
        "HostingDeployment",
        HostingDeploymentSpec,
        (
            # The operator names and versions the endpoint config; the endpoint name is
            # spec.endpointName or derived from the resource.
            _sagemaker("CreateEndpointConfig", "EndpointConfigName"),
            _sagemaker("CreateEndpoint", "EndpointConfigName"),
            _sagemaker("UpdateEndpoint", "EndpointConfigName"),
        ),
        # models/containers describe the CreateModel requests (checked as HostingModel).
        CONNECTION_FIELDS | {"models", "containers"},
    ),
    KindCoverage(
        "HostingDeployment.models[]",
        HostingModel,
        (
            _sagemaker(
                "CreateModel",
                # Tags come from the HostingDeployment's spec.tags.
                "Tags",
                # The user guide's quirks: a hostname, and hostnames or inline containers.
                ModelName="name",
                PrimaryContainer="primaryContainer",
                Containers="containers",
            ),
        ),
        frozenset(),
    ),
    KindCoverage(
        "HostingAutoscalingPolicy",
        HostingAutoscalingPolicySpec,
        (
            RequestPart(
                "application-autoscaling",
                "PutScalingPolicy",
                renamed={"ResourceId": "resourceId"},
            ),
            RequestPart(
                "application-autoscaling",
                "RegisterScalableTarget",
                # AWS takes one "endpoint/E/variant/V" string; the old operator a list of pairs.
                # Tags are a map in Application Auto Scaling, {key, value} as on every kind.
                renamed={"ResourceId": "resourceId", "Tags": "tags"},
            ),
        ),
    ),
)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's type holds (through Optional, Annotated, list, unions)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list):
        return [model for arg in get_args(annotation) for model in _models_in(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Wire name -> type of every field, leaving out the old operator's misspellings."""
    legacy = getattr(model, "legacy_spellings", {})
    return {
        info.alias or name: info.annotation
        for name, info in model.model_fields.items()
        if name not in legacy
    }


def mismatches(model: type[BaseModel], shape: Any, path: str) -> list[str]:
    """Every member without a field and field without a member, recursively."""
    fields = _fields(model)
    members = {json_name(member): member_shape for member, member_shape in shape.members.items()}
    problems = [f"{path}.{name}: no spec field" for name in sorted(members.keys() - fields)]
    problems += [f"{path}.{name}: no request member" for name in sorted(fields.keys() - members)]
    for name in sorted(members.keys() & fields.keys()):
        problems += _member_mismatches(fields[name], members[name], f"{path}.{name}")
    return problems


def _member_mismatches(annotation: Any, shape: Any, path: str) -> list[str]:
    while shape.type_name == "list":
        shape = shape.member
    if shape.type_name == "map":
        (entry,) = _models_in(annotation)
        return [] if set(_fields(entry)) == {"name", "value"} else [f"{path}: not {{name, value}}"]
    if shape.type_name != "structure":
        return []
    models = _models_in(annotation)
    if len(models) != 1:
        return [f"{path}: expected one model for {shape.name}, found {models}"]
    return mismatches(models[0], shape, path)


@dataclass(frozen=True)
class Report:
    kind: str
    covered: int
    total: int
    problems: list[str]
    # Members at every depth (each nested structure counted once per path).
    nested_total: int = 0

    @property
    def nested_covered(self) -> int:
        return self.nested_total - sum("no spec field" in p for p in self.problems)


def nested_member_count(shape: Any, seen: frozenset[str] = frozenset()) -> int:
    """How many members a request has at every depth, each recursive shape counted once."""
    if shape.type_name == "list":
        return nested_member_count(shape.member, seen)
    if shape.type_name != "structure" or shape.name in seen:
        return 0
    inner = seen | {shape.name}
    return sum(1 + nested_member_count(member, inner) for member in shape.members.values())


def check(coverage: KindCoverage) -> Report:
    session = botocore.session.get_session()
    fields = _fields(coverage.spec)
    claimed: set[str] = set(coverage.operator_fields)
    problems: list[str] = []
    covered = total = nested = 0
    for part in coverage.parts:
        shape = session.get_service_model(part.service).operation_model(part.operation).input_shape
        nested += nested_member_count(shape)
        for member, member_shape in shape.members.items():
            total += 1
            if member in part.operator_members:
                covered += 1
                continue
            name = part.renamed.get(member, json_name(member))
            if name not in fields:
                problems.append(f"{coverage.kind}: {part.operation}.{member} has no spec field")
                continue
            covered += 1
            claimed.add(name)
            if member not in part.renamed:
                path = f"{coverage.kind}.{name}"
                problems += _member_mismatches(fields[name], member_shape, path)
    problems += [
        f"{coverage.kind}.{name}: maps to no request member"
        for name in sorted(fields.keys() - claimed)
    ]
    return Report(coverage.kind, covered, total, problems, nested)


def main() -> int:
    for coverage in KINDS:
        report = check(coverage)
        print(
            f"{report.kind:28} top level {report.covered:3}/{report.total:<3} "
            f"all depths {report.nested_covered:4}/{report.nested_total:<4} "
            f"{len(report.problems)} gaps"
        )
        for problem in report.problems:
            print(f"    {problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
