"""Request validation against botocore's service models, worded as AWS words it.

botocore's ``ParamValidator`` checks required members, types and minimums; the
walk here adds the ``max``, ``pattern`` and ``enum`` constraints that the same
shapes carry. Every problem becomes one clause of a single validation error,
``Value 'x' at 'trainingJobName' failed to satisfy constraint: ...``, naming the
field by its AWS path (lower camel case, 1-based ``.N.member`` list indices).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from botocore.validate import ParamValidator

from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.service_models import operation_model, validation_code

_INDEX = re.compile(r"\[(\d+)\]")
_MAP_KEY = re.compile(r" \(key: .*\)$")


def _segment(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


def aws_path(botocore_name: str) -> str:
    """``.InputDataConfig[0].ChannelName`` -> ``inputDataConfig.1.member.channelName``."""
    name = _MAP_KEY.sub("", botocore_name.lstrip("."))
    name = _INDEX.sub(lambda m: f".{int(m.group(1)) + 1}.member", name)
    return ".".join(_segment(part) for part in name.split(".") if part)


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > 200:
        text = text[:200] + "..."
    return f"'{text}'"


def _clause(value: Any, path: str, constraint: str) -> str:
    return f"Value {_shown(value)} at '{path}' failed to satisfy constraint: {constraint}"


def _botocore_clauses(errors: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    clauses = []
    for reason, name, extra in errors:
        if reason == "missing required field":
            path = aws_path(f"{name}.{extra['required_name']}")
            clauses.append(_clause(None, path, "Member must not be null"))
        elif reason == "unknown field":
            path = aws_path(f"{name}.{extra['unknown_param']}")
            clauses.append(
                f"Unknown member at '{path}' failed to satisfy constraint: "
                "Member must be one of the members the operation's shape declares"
            )
        elif reason == "invalid type":
            wanted = ", ".join(str(t) for t in extra["valid_types"])
            clauses.append(
                _clause(extra["param"], aws_path(name), f"Member must be of type {wanted}")
            )
        elif reason == "invalid length":
            clauses.append(
                _clause(
                    extra["param"],
                    aws_path(name),
                    f"Member must have length greater than or equal to {extra['min_allowed']}",
                )
            )
        elif reason == "invalid range":
            clauses.append(
                _clause(
                    extra["param"],
                    aws_path(name),
                    f"Member must have value greater than or equal to {extra['min_allowed']}",
                )
            )
        else:
            clauses.append(f"Invalid value at '{aws_path(name)}': {reason}")
    return clauses


@cache
def _pattern(expression: str) -> re.Pattern[str] | None:
    # The models carry Java regular expressions; the few Python cannot compile
    # (\p{...} classes) are skipped rather than guessed at.
    try:
        return re.compile(expression, re.DOTALL)
    except re.error:
        return None


def _walk(value: Any, shape: Any, path: str, clauses: list[str]) -> None:
    """The max/pattern/enum checks botocore leaves to the service."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            clauses.append(
                _clause(value, path, f"Member must have length less than or equal to {meta['max']}")
            )
        enum = shape.enum
        if enum and value not in enum:
            clauses.append(
                _clause(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            )
        if "pattern" in meta:
            compiled = _pattern(meta["pattern"])
            if compiled is not None and compiled.fullmatch(value) is None:
                clauses.append(
                    _clause(
                        value,
                        path,
                        "Member must satisfy regular expression pattern: " + meta["pattern"],
                    )
                )
    elif kind in ("integer", "long", "double", "float") and isinstance(value, int | float):
        if "max" in meta and value > meta["max"]:
            clauses.append(
                _clause(value, path, f"Member must have value less than or equal to {meta['max']}")
            )
    elif kind == "structure" and isinstance(value, dict):
        for key, member_value in value.items():
            member = shape.members.get(key)
            if member is not None:
                _walk(
                    member_value,
                    member,
                    f"{path}.{_segment(key)}" if path else _segment(key),
                    clauses,
                )
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            clauses.append(
                _clause(value, path, f"Member must have length less than or equal to {meta['max']}")
            )
        for index, item in enumerate(value, start=1):
            _walk(item, shape.member, f"{path}.{index}.member", clauses)
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            clauses.append(
                _clause(value, path, f"Member must have length less than or equal to {meta['max']}")
            )
        for key, item in value.items():
            key_clauses: list[str] = []
            _walk(key, shape.key, path, key_clauses)
            clauses.extend(c.replace("Member must", "Map keys must", 1) for c in key_clauses)
            _walk(item, shape.value, f"{path}.{key}", clauses)


class RequestValidator:
    """Validates one service's requests; shapes and compiled patterns are cached."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._validator = ParamValidator()

    def validate(self, operation: str, params: dict[str, Any]) -> None:
        shape = operation_model(self._service, operation).input_shape
        if shape is None:
            return
        report = self._validator.validate(params, shape)
        clauses = _botocore_clauses(report._errors)
        _walk(params, shape, "", clauses)
        if clauses:
            count = len(clauses)
            noun = "error" if count == 1 else "errors"
            raise ServiceError(
                validation_code(self._service),
                f"{count} validation {noun} detected: " + "; ".join(clauses),
            )
