"""Walk a spec (as stored, camelCase) alongside a botocore shape to build the request.

Because the spec models are generated from these very shapes with one naming rule,
one walker serves every kind; only the old operator's `{name, value}` lists need
turning back into SageMaker maps.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apis.naming import json_name
from sagemaker_client.operations import data_path_setting


@cache
def service_model(service: str) -> Any:
    """botocore's model of an AWS service (loaded once), trimmed as the clients' is."""
    import botocore.session

    session = botocore.session.get_session()
    current = session.get_config_variable("data_path")
    session.set_config_variable("data_path", data_path_setting(current))
    return session.get_service_model(service)


def input_shape(operation: str, service: str = "sagemaker") -> Any:
    return service_model(service).operation_model(operation).input_shape


def to_request(value: Any, shape: Any) -> Any:
    """A camelCase spec value as the PascalCase value botocore expects for `shape`."""
    kind = shape.type_name
    if kind == "structure":
        return {
            member: to_request(value[json_name(member)], member_shape)
            for member, member_shape in shape.members.items()
            if json_name(member) in value
        }
    if kind == "list":
        return [to_request(item, shape.member) for item in value]
    if kind == "map":
        return {entry["name"]: to_request(entry.get("value", ""), shape.value) for entry in value}
    if kind in {"float", "double"}:
        return float(value)
    return value


def request_for(
    operation: str, spec: dict[str, Any], service: str = "sagemaker", **members: Any
) -> dict[str, Any]:
    """The `operation` request for a spec, with operator-chosen members (names) set."""
    request: dict[str, Any] = to_request(spec, input_shape(operation, service))
    request.update({member: value for member, value in members.items() if value is not None})
    return request
