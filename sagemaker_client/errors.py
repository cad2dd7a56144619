"""Which SageMaker failures are the user's to fix and which pass by themselves.

Terminal: SageMaker understood the request and said no (bad input, a limit, missing
permissions). Retrying the same request cannot succeed, so the resource is marked Failed
until its spec changes. Transient: throttling, server errors, timeouts and broken
connections. They are retried with backoff and never mark a resource Failed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

# Codes SageMaker (and the AWS JSON protocol around it) uses to say "not now".
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "IDPCommunicationError",
        "EC2ThrottledException",
        # Application Auto Scaling: another change to the same target is under way.
        "ConcurrentUpdateException",
        "InternalServiceException",
    }
)


# Operations that only read: Describe*, List*, ListTags.
_READS = ("Describe", "List", "Get")


@dataclass(frozen=True)
class SageMakerError(Exception):
    """A failed SageMaker call, classified; ``message`` is what the user should read."""

    operation: str
    code: str
    message: str
    terminal: bool
    http_status: int | None = None

    def __str__(self) -> str:
        return f"{self.operation}: {self.code}: {self.message}"

    @property
    def transient(self) -> bool:
        return not self.terminal

    @property
    def refused(self) -> bool:
        """SageMaker understood a request to change something and said no. A read that
        fails, whatever the code, says nothing about the resource and is never a refusal."""
        return self.terminal and not self.operation.startswith(_READS)

    @property
    def is_not_found(self) -> bool:
        # SageMaker says "not found" in two ways: a ResourceNotFound code (most Describe
        # calls), or a ValidationException whose text says the resource does not exist.
        # Application Auto Scaling says ObjectNotFoundException.
        if self.code in ("ResourceNotFound", "ObjectNotFoundException"):
            return True
        text = self.message.lower()
        return self.code == "ValidationException" and (
            "not found" in text or "does not exist" in text or "could not find" in text
        )

    @property
    def is_already_exists(self) -> bool:
        # Jobs say ResourceInUse; models, endpoint configs and endpoints say "Cannot create
        # already existing model ..." in a ValidationException.
        text = self.message.lower()
        return (
            self.code == "ResourceInUse" or "already exists" in text or "already existing" in text
        )


def classify(operation: str, error: BaseException) -> SageMakerError:
    """Turn whatever aiobotocore raised into a ``SageMakerError``."""
    if isinstance(error, SageMakerError):
        return error
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code") or "Unknown")
        message = str(details.get("Message") or error)
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        transient = code in TRANSIENT_CODES or (isinstance(status, int) and status >= 500)
        return SageMakerError(operation, code, message, terminal=not transient, http_status=status)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        # The pod may be starting before its IRSA token is mounted; say what is wrong but
        # keep trying rather than failing every job in the cluster.
        return SageMakerError(operation, "NoCredentials", str(error), terminal=False)
    if isinstance(
        error,
        BotoConnectionError
        | HTTPClientError
        | aiohttp.ClientError
        | asyncio.TimeoutError
        | TimeoutError
        | ConnectionError,
    ):
        return SageMakerError(operation, type(error).__name__, str(error) or repr(error), False)
    if isinstance(error, BotoCoreError):
        # Parameter validation and the like: the request itself is wrong.
        return SageMakerError(operation, type(error).__name__, str(error), terminal=True)
    raise error
