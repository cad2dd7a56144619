"""Build a kind's CustomResourceDefinition (apiextensions.k8s.io/v1) from its models."""

from __future__ import annotations

from typing import Any

from apis.common import CATEGORY, GROUP, IMMUTABLE_JOB_MESSAGE, VERSION, KindInfo
from apis.schema import Schema, model_schema


def spec_schema(info: KindInfo) -> Schema:
    """The schema of `spec`, with the immutability rule on jobs and the kind's own rules."""
    schema = model_schema(info.spec, description=f"The desired state of the {info.kind}.")
    rules = [("self == oldSelf", IMMUTABLE_JOB_MESSAGE)] if info.immutable_spec else []
    rules.extend(info.spec_rules)
    if rules:
        schema["x-kubernetes-validations"] = [
            {"rule": rule, "message": message} for rule, message in rules
        ]
    return schema


def resource_schema(info: KindInfo) -> Schema:
    """The whole object's schema: apiVersion, kind, metadata, spec, status."""
    return {
        "description": info.description,
        "type": "object",
        "properties": {
            "apiVersion": {
                "description": "The versioned schema of this object: sagemaker.aws.amazon.com/v1.",
                "type": "string",
            },
            "kind": {"description": "The REST resource this object represents.", "type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema(info),
            "status": model_schema(
                info.status, description=f"The observed state of the {info.kind}."
            ),
        },
        "required": ["spec"],
    }


def custom_resource_definition(info: KindInfo) -> dict[str, Any]:
    """The CRD manifest for a kind."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": info.crd_name},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": info.kind,
                "listKind": f"{info.kind}List",
                "plural": info.plural,
                "singular": info.singular,
                **({"shortNames": list(info.short_names)} if info.short_names else {}),
                "categories": [CATEGORY],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [c.to_crd() for c in info.printer_columns],
                    "schema": {"openAPIV3Schema": resource_schema(info)},
                }
            ],
        },
    }
