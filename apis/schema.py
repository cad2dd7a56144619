"""Turn a pydantic model into a structural OpenAPI v3 schema for a CRD.

Pydantic's own `model_json_schema()` emits `$ref`, `anyOf` for optionals and titles,
none of which a structural CRD schema allows; walking `model_fields` directly is
shorter than repairing that output. Every constraint pydantic enforces is carried over
(lengths, patterns, bounds, enums, keyed lists), so the apiserver refuses at
`kubectl apply` what the operator would refuse later.
"""

from __future__ import annotations

import types
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from apis.base import ListMapKey, PreserveUnknownFields, StringFormat

Schema = dict[str, Any]

_SCALARS: dict[type, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def model_schema(model: type[BaseModel], description: str | None = None) -> Schema:
    """The object schema of a model: its fields as properties, required ones listed."""
    properties: Schema = {}
    required: list[str] = []
    for name, info in model.model_fields.items():
        wire_name = info.alias or name
        properties[wire_name] = field_schema(info)
        if info.is_required():
            required.append(wire_name)
    schema: Schema = {"type": "object"}
    doc = description if description is not None else _first_line(model.__doc__)
    if doc:
        schema["description"] = doc
    schema["properties"] = properties
    if required:
        schema["required"] = required
    return schema


def field_schema(info: FieldInfo) -> Schema:
    """The schema of one model field, its description included."""
    schema = type_schema(info.annotation, list(info.metadata))
    if info.description:
        schema = {"description": info.description, **schema}
    return schema


def type_schema(annotation: Any, metadata: list[Any]) -> Schema:
    """The schema of a type, narrowed by constraint metadata (from `Field` or `Annotated`)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return type_schema(inner, [*metadata, *extra])
    markers = _flatten(metadata)
    if any(isinstance(marker, PreserveUnknownFields) for marker in markers):
        return {"x-kubernetes-preserve-unknown-fields": True}
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(options) != 1:
            raise TypeError(f"a union of types is not structural: {annotation}; mark it")
        return type_schema(options[0], metadata)
    if origin is Literal:
        values = list(get_args(annotation))
        return {"type": _SCALARS[type(values[0])], "enum": values}
    if origin is list:
        (item,) = get_args(annotation)
        schema: Schema = {"type": "array", "items": type_schema(item, [])}
        schema.update(_bounds(markers, "minItems", "maxItems"))
        for marker in markers:
            if isinstance(marker, ListMapKey):
                schema["x-kubernetes-list-type"] = "map"
                schema["x-kubernetes-list-map-keys"] = [marker.key]
        return schema
    if origin is dict:
        _, value = get_args(annotation)
        return {"type": "object", "additionalProperties": type_schema(value, [])}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_schema(annotation, description="")
    if annotation is datetime:
        return {"type": "string", "format": "date-time"}
    if annotation in _SCALARS:
        return _scalar_schema(_SCALARS[annotation], markers)
    raise TypeError(f"no CRD schema for {annotation!r}")


def _scalar_schema(kind: str, markers: list[Any]) -> Schema:
    schema: Schema = {"type": kind}
    for marker in markers:
        if isinstance(marker, StringFormat):
            schema["format"] = marker.name
    if kind == "string":
        schema.update(_bounds(markers, "minLength", "maxLength"))
        pattern = next((m.pattern for m in markers if getattr(m, "pattern", None)), None)
        if pattern:
            schema["pattern"] = pattern
    elif kind in {"integer", "number"}:
        for marker in markers:
            if isinstance(marker, annotated_types.Ge):
                schema["minimum"] = marker.ge
            elif isinstance(marker, annotated_types.Gt):
                schema.update(minimum=marker.gt, exclusiveMinimum=True)
            elif isinstance(marker, annotated_types.Le):
                schema["maximum"] = marker.le
            elif isinstance(marker, annotated_types.Lt):
                schema.update(maximum=marker.lt, exclusiveMaximum=True)
    return schema


def _bounds(markers: list[Any], low: str, high: str) -> Schema:
    bounds: Schema = {}
    for marker in markers:
        if isinstance(marker, annotated_types.MinLen) and marker.min_length:
            bounds[low] = marker.min_length
        elif isinstance(marker, annotated_types.MaxLen):
            bounds[high] = marker.max_length
    return bounds


def _flatten(metadata: list[Any]) -> list[Any]:
    """Constraint objects, with those inside a nested `Field(...)` brought up a level."""
    flat: list[Any] = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            flat.extend(item.metadata)
        else:
            flat.append(item)
    return flat


def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").split("\n\n")[0].split())
