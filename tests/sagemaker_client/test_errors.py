"""Refused, credentials or retry: what marks a resource Failed, what the admin must fix,
and what the queue just retries."""

from __future__ import annotations

import aiohttp
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from sagemaker_client.errors import Failure, SageMakerError, classify


def client_error(code: str, message: str = "no", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "CreateTrainingJob",
    )


@pytest.mark.parametrize("code", ["ValidationException", "ResourceLimitExceeded", "ResourceInUse"])
def test_rejections_are_terminal(code: str) -> None:
    error = classify("CreateTrainingJob", client_error(code, "bad role"))
    assert error.terminal
    assert (error.code, error.message, error.http_status) == (code, "bad role", 400)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("InternalFailure", 500), ("ServiceUnavailable", 503),
     ("SomethingNew", 502)],
)  # fmt: skip
def test_throttling_and_server_errors_are_transient(code: str, status: int) -> None:
    assert classify("DescribeTrainingJob", client_error(code, status=status)).transient


@pytest.mark.parametrize(
    "raised",
    [
        EndpointConnectionError(endpoint_url="http://x"),
        ReadTimeoutError(endpoint_url="http://x"),
        ConnectTimeoutError(endpoint_url="http://x"),
        aiohttp.ClientConnectionError("reset"),
        TimeoutError(),
    ],
)
def test_network_failures_are_transient(raised: Exception) -> None:
    error = classify("DescribeTrainingJob", raised)
    assert error.transient
    assert error.message


@pytest.mark.parametrize(
    ("operation", "raised", "hint"),
    [
        ("DescribeTrainingJob", client_error("ExpiredTokenException", "expired"), "token"),
        ("CreateTrainingJob", client_error("UnrecognizedClientException"), "access key"),
        ("DescribeTrainingJob", client_error("InvalidSignatureException",
                                             "Signature expired: 2026 is now earlier"), "clock"),
        ("DescribeTrainingJob", client_error("RequestExpired"), "clock"),
        ("DescribeTrainingJob", client_error("AccessDeniedException"), "DescribeTrainingJob"),
        ("CreateTrainingJob", client_error("AccessDeniedException"), "CreateTrainingJob"),
        ("AssumeRoleWithWebIdentity", client_error("InvalidIdentityToken"), "trust policy"),
        ("DescribeTrainingJob", NoCredentialsError(), "role-arn"),
        ("DescribeTrainingJob", CredentialRetrievalError(provider="sts", error_msg="x"), "x"),
    ],
)  # fmt: skip
def test_credential_failures_are_the_admins_and_never_terminal(
    operation: str, raised: Exception, hint: str
) -> None:
    error = classify(operation, raised)
    assert error.credentials
    assert not error.terminal
    assert hint in error.advice()
    assert "Nothing is failed" in error.advice()


@pytest.mark.parametrize("code", ["ValidationException", "ResourceLimitExceeded", "Weird"])
def test_a_failed_read_is_never_terminal(code: str) -> None:
    assert classify("DescribeTrainingJob", client_error(code)).transient
    assert classify("ListTags", client_error(code)).transient


def test_a_request_botocore_refuses_is_terminal() -> None:
    error = classify("CreateTrainingJob", ParamValidationError(report="Missing RoleArn"))
    assert error.terminal
    assert "RoleArn" in error.message


def test_a_bug_is_not_swallowed() -> None:
    with pytest.raises(KeyError):
        classify("DescribeTrainingJob", KeyError("oops"))


@pytest.mark.parametrize(
    ("code", "message", "not_found", "exists"),
    [
        ("ValidationException", "Requested resource not found.", True, False),
        ("ResourceNotFound", "Amazon SageMaker can't find a tuning job", True, False),
        ("ValidationException", "Could not find requested job with name x", True, False),
        ("ResourceInUse", "Training job names must be unique", False, True),
        ("ValidationException", 'Cannot create already existing model "arn:x"', False, True),
        ("ValidationException", 'Could not find endpoint "arn:x".', True, False),
        ("ValidationException", "1 validation error detected", False, False),
    ],
)
def test_not_found_and_already_exists(
    code: str, message: str, not_found: bool, exists: bool
) -> None:
    error = SageMakerError("X", code, message, Failure.REFUSED)
    assert (error.is_not_found, error.is_already_exists) == (not_found, exists)


@pytest.mark.parametrize(
    ("operation", "code", "refused"),
    [
        ("CreateEndpoint", "ValidationException", True),
        ("UpdateEndpoint", "ValidationException", True),
        ("PutScalingPolicy", "ValidationException", True),
        ("DescribeEndpoint", "AccessDeniedException", False),
        ("ListModels", "ValidationException", False),
        ("CreateEndpoint", "ThrottlingException", False),
    ],
)
def test_only_a_rejected_change_is_a_refusal(operation: str, code: str, refused: bool) -> None:
    error = classify(
        operation,
        ClientError(
            {"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
            operation,
        ),
    )
    assert error.terminal is refused
