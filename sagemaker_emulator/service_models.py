"""botocore's own service models (the ones aiobotocore ships), loaded once."""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session

# botocore service name -> X-Amz-Target prefix of its JSON 1.1 protocol.
SERVICES = {
    "sagemaker": "SageMaker",
    "logs": "Logs_20140328",
    "application-autoscaling": "AnyScaleFrontendService",
}

# The error code for a request the service finds invalid, where it is not ValidationException.
_VALIDATION_CODES = {"sagemaker-runtime": "ValidationError"}


def validation_code(service: str) -> str:
    return _VALIDATION_CODES.get(service, "ValidationException")


@cache
def service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@cache
def operation_model(service: str, operation: str) -> Any:
    return service_model(service).operation_model(operation)


@cache
def output_members(service: str, operation: str) -> frozenset[str]:
    return frozenset(operation_model(service, operation).output_shape.members)


@cache
def list_member_fields(service: str, operation: str, list_field: str) -> frozenset[str]:
    """Members of the summary shape a List operation returns under ``list_field``."""
    shape = operation_model(service, operation).output_shape.members[list_field]
    return frozenset(shape.member.members)


def project(record: dict[str, Any], members: frozenset[str]) -> dict[str, Any]:
    """Keep only the fields the response shape declares (requests carry more)."""
    return {key: value for key, value in record.items() if key in members and value is not None}
