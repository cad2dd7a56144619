"""The Helm charts, rendered from the same objects as the release YAMLs.

The charts' templates are the release manifests with a few values replaced by Helm
expressions (namespace, image, role ARN, resources, leader election), so a chart can
never drift from `installer.yaml`. Each chart gets a `values.schema.json`; the job charts'
schema is the CRD's own spec schema, so `helm lint` and `helm install` refuse a bad spec
before it reaches the apiserver.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from apis.batch_transform_job import BATCH_TRANSFORM_JOB
from apis.common import KindInfo
from apis.crd import custom_resource_definition, spec_schema
from apis.hyperparameter_tuning_job import HYPERPARAMETER_TUNING_JOB
from apis.install import IMAGE, ROLE_ARN_PLACEHOLDER, InstallOptions, operator_objects
from apis.kinds import ALL_KINDS
from apis.training_job import TRAINING_JOB

VERSION = "0.1.0"
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "config" / "samples"

_NAMESPACE = "__NAMESPACE__"
_IMAGE = "__IMAGE__"
_ROLE_ARN = "__ROLE_ARN__"
_RESOURCES = "__RESOURCES__"
_LEADER_ELECT = "__LEADER_ELECT__"

# (sentinel, Helm expression) pairs for values that are plain scalars in the YAML.
_SCALAR_TEMPLATES = (
    (_NAMESPACE, "{{ .Values.namespace | default .Release.Namespace }}"),
    (_IMAGE, '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'),
    (_ROLE_ARN, "{{ .Values.roleArn | quote }}"),
)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a shared dict (the label selector) out in full each time, never as &id001."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_all(documents: list[dict[str, Any]]) -> str:
    """YAML documents as the project writes them: key order kept, wide lines, `---` between."""
    return "---\n".join(
        yaml.dump(doc, Dumper=_NoAliasDumper, sort_keys=False, width=1000) for doc in documents
    )


def _templated_operator(namespaced: bool) -> str:
    options = InstallOptions(
        namespace=_NAMESPACE,
        namespaced=namespaced,
        image=_IMAGE,
        role_arn=_ROLE_ARN,
        leader_elect=True,
        resources=_RESOURCES,  # type: ignore[arg-type]  # a sentinel, replaced below
    )
    text = dump_all(operator_objects(options)).replace("- --leader-elect\n", f"- {_LEADER_ELECT}\n")
    for sentinel, expression in _SCALAR_TEMPLATES:
        text = text.replace(sentinel, expression)
    text = re.sub(
        rf"^( *)resources: {_RESOURCES}$",
        lambda m: (
            f"{m.group(1)}resources:\n"
            f"{{{{- toYaml .Values.resources | nindent {len(m.group(1)) + 2} }}}}"
        ),
        text,
        flags=re.MULTILINE,
    )
    return re.sub(
        rf"^( *)- {_LEADER_ELECT}$",
        lambda m: (
            f"{{{{- if .Values.leaderElection }}}}\n{m.group(1)}- --leader-elect\n"
            "{{- end }}\n{{- with .Values.sageMakerEndpoint }}\n"
            f"{m.group(1)}- --sagemaker-endpoint={{{{ . }}}}\n"
            "{{- end }}"
        ),
        text,
        flags=re.MULTILINE,
    )


def _chart_yaml(name: str, description: str) -> str:
    chart = {
        "apiVersion": "v2",
        "name": name,
        "description": description,
        "type": "application",
        "version": VERSION,
        "appVersion": VERSION,
    }
    return yaml.safe_dump(chart, sort_keys=False)


def _operator_values() -> dict[str, Any]:
    repository, tag = IMAGE.rsplit(":", 1)
    return {
        "namespace": "",
        "roleArn": ROLE_ARN_PLACEHOLDER,
        "image": {"repository": repository, "tag": tag},
        "leaderElection": True,
        "sageMakerEndpoint": "",
        "resources": InstallOptions().resources,
    }


_OPERATOR_VALUES_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "namespace": {
            "description": "The namespace to install into; the release namespace when empty.",
            "type": "string",
            "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
            "maxLength": 63,
        },
        "roleArn": {
            "description": "The IAM role the operator assumes (IRSA) via its ServiceAccount.",
            "type": "string",
            "pattern": r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$",
        },
        "image": {
            "type": "object",
            "properties": {
                "repository": {"type": "string", "minLength": 1},
                "tag": {"type": "string", "minLength": 1},
            },
            "required": ["repository", "tag"],
            "additionalProperties": False,
        },
        "leaderElection": {"description": "Run with leader election.", "type": "boolean"},
        "sageMakerEndpoint": {
            "description": "A custom SageMaker API endpoint URL; empty for the region's.",
            "type": "string",
            "pattern": r"^((https|http)://.*)?$",
        },
        "resources": {"description": "The manager container's resources.", "type": "object"},
    },
    "required": ["roleArn", "image", "leaderElection", "resources"],
    "additionalProperties": False,
}


def _crds_template() -> str:
    return dump_all([custom_resource_definition(info) for info in ALL_KINDS])


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False) + "\n"


def _job_chart(info: KindInfo, chart_name: str, sample: str) -> dict[str, str]:
    spec = yaml.safe_load((SAMPLES_DIR / sample).read_text())["spec"]
    template = "\n".join(
        [
            "apiVersion: sagemaker.aws.amazon.com/v1",
            f"kind: {info.kind}",
            "metadata:",
            "  name: {{ .Values.name | default .Release.Name }}",
            "  labels:",
            "    app.kubernetes.io/managed-by: {{ .Release.Service }}",
            "    app.kubernetes.io/instance: {{ .Release.Name }}",
            '    helm.sh/chart: "{{ .Chart.Name }}-{{ .Chart.Version }}"',
            "spec:",
            "{{- toYaml .Values.spec | nindent 2 }}",
            "",
        ]
    )
    values_schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "name": {
                "description": f"The {info.kind}'s metadata.name; the release name when empty.",
                "type": "string",
                "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
                "maxLength": 63,
            },
            "spec": spec_schema(info),
        },
        "required": ["spec"],
        "additionalProperties": False,
    }
    return {
        "Chart.yaml": _chart_yaml(chart_name, f"Create a SageMaker {info.kind} from values.yaml."),
        "values.yaml": yaml.safe_dump({"name": "", "spec": spec}, sort_keys=False, width=1000),
        "values.schema.json": _json(values_schema),
        f"templates/{info.singular}.yaml": template,
    }


def charts() -> dict[str, dict[str, str]]:
    """Every chart folder under helm/ and the text of each of its files."""
    operator_files = {
        "values.yaml": yaml.safe_dump(_operator_values(), sort_keys=False),
        "values.schema.json": _json(_OPERATOR_VALUES_SCHEMA),
    }
    return {
        "installer": {
            "Chart.yaml": _chart_yaml(
                "sagemaker-k8s-operator", "The SageMaker operator, cluster-scoped, with its CRDs."
            ),
            **operator_files,
            "templates/crds.yaml": _crds_template(),
            "templates/operator.yaml": _templated_operator(namespaced=False),
        },
        "namespaced/crd_chart": {
            "Chart.yaml": _chart_yaml(
                "sagemaker-k8s-operator-crds", "The SageMaker operator's CRDs (install once)."
            ),
            "values.yaml": "{}\n",
            "values.schema.json": _json(
                {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}
            ),
            "templates/crds.yaml": _crds_template(),
        },
        "namespaced/operator_chart": {
            "Chart.yaml": _chart_yaml(
                "sagemaker-k8s-operator", "The SageMaker operator, watching only its namespace."
            ),
            **operator_files,
            "templates/operator.yaml": _templated_operator(namespaced=True),
        },
        "training-jobs": _job_chart(TRAINING_JOB, "sagemaker-k8s-trainingjob", "trainingjob.yaml"),
        "hyperparameter-tuning-jobs": _job_chart(
            HYPERPARAMETER_TUNING_JOB,
            "sagemaker-k8s-hyperparametertuningjob",
            "hyperparametertuningjob.yaml",
        ),
        "batch-transform-jobs": _job_chart(
            BATCH_TRANSFORM_JOB, "sagemaker-k8s-batchtransformjob", "batchtransformjob.yaml"
        ),
    }


def rendered_files(helm_dir: Path) -> Iterator[tuple[Path, str]]:
    for chart, files in charts().items():
        for name, text in files.items():
            yield helm_dir / chart / name, text
