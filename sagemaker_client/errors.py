"""What a failed SageMaker call means for the resource, and whose it is to fix.

- **Refused**: SageMaker understood a request to change something (Create, Update, Stop,
  Delete, Put, Register) and said no: bad input, a limit, a role it cannot assume. Sending
  it again cannot succeed, so the resource reports it and waits for its spec to change.
- **Credentials**: the operator's own AWS credentials are missing, expired, unknown, badly
  signed (a skewed clock) or not allowed to make the call. That says nothing about the
  resource: nothing is failed, the operator's admin is told what to fix, and the call is
  retried with a long backoff until the credentials work again.
- **Retry**: everything else (throttling, server errors, timeouts, broken connections, and
  any read that failed): retried with backoff, never marking anything Failed.

"Not found" is decided by the error code where SageMaker gives one (ResourceNotFound,
Application Auto Scaling's ObjectNotFoundException), and by the wording of its
ValidationException where it gives none (DescribeTrainingJob, models, endpoints).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

import aiohttp
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoAuthTokenError,
    NoCredentialsError,
    PartialCredentialsError,
    SSOError,
    TokenRetrievalError,
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

# Codes AWS (SageMaker, STS during an IRSA refresh, IAM) gives when the caller's
# credentials, signature or permissions are the problem.
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClient",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "InvalidToken",
        "InvalidIdentityToken",
        "IDPRejectedClaim",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "RequestExpired",
        "RequestTimeTooSkewed",
        "AuthFailure",
        "AccessDenied",
        "AccessDeniedException",
        "NotAuthorized",
        "UnauthorizedOperation",
    }
)

_CREDENTIAL_EXCEPTIONS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    NoAuthTokenError,
    TokenRetrievalError,
    SSOError,
)
# Operations that only read: a failure of one is never the resource's fault.
_READS = ("Describe", "List", "Get")


class Failure(StrEnum):
    REFUSED = "refused"
    CREDENTIALS = "credentials"
    RETRY = "retry"


def is_read(operation: str) -> bool:
    return operation.startswith(_READS)


@dataclass(frozen=True)
class SageMakerError(Exception):
    """A failed SageMaker call, classified; ``message`` is what the user should read."""

    operation: str
    code: str
    message: str
    failure: Failure
    http_status: int | None = None

    def __str__(self) -> str:
        return f"{self.operation}: {self.code}: {self.message}"

    @property
    def terminal(self) -> bool:
        """SageMaker refused a change: not retried until the spec changes."""
        return self.failure is Failure.REFUSED

    @property
    def credentials(self) -> bool:
        return self.failure is Failure.CREDENTIALS

    @property
    def transient(self) -> bool:
        return self.failure is Failure.RETRY

    @property
    def is_not_found(self) -> bool:
        if self.code in (
            "ResourceNotFound",
            "ResourceNotFoundException",
            "ObjectNotFoundException",
        ):
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

    def advice(self) -> str:
        """For a credentials failure: what the operator's admin should check."""
        text = self.message.lower()
        if self.code in ("RequestExpired", "RequestTimeTooSkewed") or "signature expired" in text:
            hint = "the clock of the operator's node is off by more than five minutes"
        elif self.code in ("ExpiredToken", "ExpiredTokenException"):
            hint = (
                "its session token expired and was not refreshed (on EKS: the projected "
                "IRSA token of its ServiceAccount)"
            )
        elif self.code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            hint = f"its IAM role is not allowed to call sagemaker:{self.operation}"
        elif self.code in ("InvalidIdentityToken", "IDPRejectedClaim"):
            hint = (
                "STS refused its web identity token: check the role's trust policy for the "
                "cluster's OIDC provider and the ServiceAccount"
            )
        elif self.code in ("NoCredentials", "PartialCredentials", "CredentialRetrieval"):
            hint = (
                "it found no usable credentials: annotate its ServiceAccount with "
                "eks.amazonaws.com/role-arn (IRSA) or give it the AWS_* environment"
            )
        else:
            hint = "AWS does not accept its access key or signature (wrong account or key)"
        return (
            f"the operator's AWS credentials were refused ({self.code}: {self.message}): "
            f"{hint}. Nothing is failed; the operator retries until they work"
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
        if code in CREDENTIAL_CODES:
            failure = Failure.CREDENTIALS
        elif code in TRANSIENT_CODES or (isinstance(status, int) and status >= 500):
            failure = Failure.RETRY
        else:
            failure = Failure.RETRY if is_read(operation) else Failure.REFUSED
        return SageMakerError(operation, code, message, failure, http_status=status)
    if isinstance(error, _CREDENTIAL_EXCEPTIONS):
        # The pod may be starting before its IRSA token is mounted, or STS may be down:
        # say what is wrong and keep trying rather than failing every job in the cluster.
        code = type(error).__name__.removesuffix("Error")
        return SageMakerError(operation, code, str(error), Failure.CREDENTIALS)
    if isinstance(
        error,
        BotoConnectionError
        | HTTPClientError
        | aiohttp.ClientError
        | asyncio.TimeoutError
        | TimeoutError
        | ConnectionError,
    ):
        message = str(error) or repr(error)
        return SageMakerError(operation, type(error).__name__, message, Failure.RETRY)
    if isinstance(error, BotoCoreError):
        # Parameter validation and the like: a change request that is itself wrong.
        failure = Failure.RETRY if is_read(operation) else Failure.REFUSED
        return SageMakerError(operation, type(error).__name__, str(error), failure)
    raise error
