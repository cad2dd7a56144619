"""Checks a response against the operation's output shape before it is sent.

botocore silently drops members it does not know and may choke on wrong
types, so in tests the emulator refuses to send what the model would not
describe: that turns a shape bug into a loud InternalFailure.
"""

from __future__ import annotations

from typing import Any

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "double": (int, float),
    "float": (int, float),
    "boolean": (bool,),
    "timestamp": (int, float),
    # Base64 text inside a JSON document, raw bytes as a REST payload.
    "blob": (str, bytes),
}


def _problems(value: Any, shape: Any, path: str, found: list[str]) -> None:
    kind = shape.type_name
    if kind in _SCALARS:
        wanted = _SCALARS[kind]
        if not isinstance(value, wanted) or (kind != "boolean" and isinstance(value, bool)):
            found.append(f"{path}: {value!r} is not a {kind}")
    elif kind == "structure":
        if not isinstance(value, dict):
            found.append(f"{path}: not a structure")
            return
        for key, member in value.items():
            if key not in shape.members:
                found.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                _problems(member, shape.members[key], f"{path}.{key}", found)
    elif kind == "list":
        if not isinstance(value, list):
            found.append(f"{path}: not a list")
            return
        for index, item in enumerate(value):
            _problems(item, shape.member, f"{path}[{index}]", found)
    elif kind == "map":
        if not isinstance(value, dict):
            found.append(f"{path}: not a map")
            return
        for key, item in value.items():
            _problems(item, shape.value, f"{path}.{key}", found)


def response_problems(response: dict[str, Any], output_shape: Any) -> list[str]:
    if output_shape is None:
        return [] if not response else ["operation has no output but a body was produced"]
    found: list[str] = []
    _problems(response, output_shape, "", found)
    return found
