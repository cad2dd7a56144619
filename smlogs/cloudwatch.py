"""CloudWatch Logs calls with bounded, jittered retries and errors a user can act on.

botocore's own retries are off so that every attempt is counted here, backs off with
jitter under a bound, and ends in one clear sentence when CloudWatch keeps refusing.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import aiohttp
import structlog
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from sagemaker_client.errors import TRANSIENT_CODES, SageMakerError, classify
from smlogs.errors import UserError

log = structlog.get_logger(__name__)

# The operator's default endpoint variable (sagemaker_client.clients.ENDPOINT_ENV); the
# emulator serves CloudWatch Logs on the same address.
SAGEMAKER_ENDPOINT_ENV = "AWS_DEFAULT_SAGEMAKER_ENDPOINT"
# botocore's own per-service override; when set, botocore is left to use it.
LOGS_ENDPOINT_ENVS = ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base: float = 0.25
    cap: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        # Full jitter: many plugins following many jobs do not retry in step.
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


@dataclass
class CallStats:
    calls: int = 0
    throttled: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)


def logs_endpoint(resource_endpoint: str | None, environ: dict[str, str]) -> str | None:
    """Where to send CloudWatch Logs calls; None lets botocore choose the region's own.

    A resource's ``sageMakerEndpoint`` (or the operator's default) points at a SageMaker
    API, which on AWS is not a CloudWatch Logs endpoint: only a non-AWS address (an
    emulator, a proxy) serves both, so only such an address is used for the logs.
    """
    if any(environ.get(name) for name in LOGS_ENDPOINT_ENVS):
        return None
    endpoint = resource_endpoint or environ.get(SAGEMAKER_ENDPOINT_ENV) or None
    if endpoint is None:
        return None
    host = urlparse(endpoint if "//" in endpoint else f"https://{endpoint}").hostname or ""
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return None
    return endpoint


def _retryable(error: SageMakerError, raw: BaseException) -> bool:
    if error.code in TRANSIENT_CODES:
        return True
    if error.http_status is not None:
        return error.http_status >= 500
    return isinstance(
        raw,
        BotoConnectionError | HTTPClientError | aiohttp.ClientError | TimeoutError,
    )


def credential_problem(error: SageMakerError, region: str, group: str) -> UserError:
    """Which credential problem it is, and what to do about it."""
    code, detail = error.code, f"{error.code}: {error.message}"
    text = error.message.lower()
    if code in ("NoCredentials", "PartialCredentials", "CredentialRetrieval", "NoAuthToken"):
        return UserError(
            f"no usable AWS credentials to read CloudWatch Logs ({detail}). Set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
            "keys), or AWS_PROFILE naming a profile in ~/.aws/credentials, or run "
            "`aws configure` / `aws sso login`"
        )
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return UserError(
            f"AWS refused the credentials: this identity may not read the job's logs ({detail}). "
            "It needs logs:DescribeLogStreams and logs:GetLogEvents on "
            f"arn:aws:logs:{region}:<account>:log-group:{group}:*"
        )
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired") or "expired" in text:
        hint = (
            "this machine's clock is off by more than five minutes: fix its time"
            if "signature expired" in text
            else "get fresh ones (`aws sso login`, or new temporary keys) and run again"
        )
        return UserError(f"AWS refused the credentials: they have expired ({detail}); {hint}")
    if code in ("InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature"):
        return UserError(
            f"AWS refused the credentials: the signature does not match ({detail}). Check that "
            "AWS_SECRET_ACCESS_KEY belongs to AWS_ACCESS_KEY_ID, and this machine's clock"
        )
    return UserError(
        f"AWS refused the credentials: it does not know this access key ({detail}). Check "
        "AWS_ACCESS_KEY_ID / AWS_PROFILE: they must be for the account the job runs in"
    )


class LogGroupMissing(Exception):
    """The log group does not exist (yet): no job of this kind wrote logs in the region."""


class LogsClient:
    """The three reads the plugin makes, each retried on throttling and server errors."""

    def __init__(
        self,
        client: Any,
        region: str,
        group: str,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        seed: int | None = None,
    ) -> None:
        self._client = client
        self.region = region
        self.group = group
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.stats = CallStats()
        self._log = log.bind(region=region, group=group)

    async def _call(self, operation: str, method: str, **params: Any) -> dict[str, Any]:
        for attempt in range(self._retry.attempts):
            self.stats.calls += 1
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
            try:
                response: dict[str, Any] = await getattr(self._client, method)(**params)
                return response
            except (ClientError, BotoCoreError, aiohttp.ClientError, TimeoutError) as raw:
                error = classify(operation, raw)
                if error.credentials:
                    raise credential_problem(error, self.region, self.group) from None
                if error.code == "ResourceNotFoundException":
                    raise LogGroupMissing(error.message) from None
                if not _retryable(error, raw):
                    raise UserError(
                        f"CloudWatch Logs {operation} failed: {error.code}: {error.message}"
                    ) from None
                if error.code in TRANSIENT_CODES and error.code.startswith(("Throttl", "Too")):
                    self.stats.throttled += 1
                if attempt + 1 == self._retry.attempts:
                    raise UserError(
                        f"CloudWatch Logs kept failing {operation} ({error.code}: "
                        f"{error.message}) after {self._retry.attempts} attempts with backoff. "
                        + (
                            "The account's CloudWatch Logs request rate is exhausted: wait a "
                            "minute, or stop other readers of the same logs, and run again"
                            if "hrottl" in error.code or error.code == "TooManyRequestsException"
                            else "Check the network and the endpoint, and run again"
                        )
                    ) from None
                delay = self._retry.delay(attempt, self._rng)
                self._log.info(
                    "smlogs.retrying",
                    operation=operation,
                    code=error.code,
                    attempt=attempt + 1,
                    delay=round(delay, 2),
                )
                await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def stream_names(self, prefix: str) -> AsyncIterator[str]:
        """Names of the group's streams starting with ``prefix``, page by page."""
        params: dict[str, Any] = {"logGroupName": self.group, "logStreamNamePrefix": prefix}
        while True:
            page = await self._call("DescribeLogStreams", "describe_log_streams", **params)
            for stream in page.get("logStreams", []):
                yield str(stream["logStreamName"])
            token = page.get("nextToken")
            if not token or token == params.get("nextToken"):
                return
            params["nextToken"] = token

    async def events(
        self,
        stream: str,
        *,
        token: str | None,
        from_head: bool,
        start_time: int | None,
        limit: int,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "logGroupName": self.group,
            "logStreamName": stream,
            "startFromHead": from_head,
            "limit": limit,
        }
        if token is not None:
            params["nextToken"] = token
        if start_time is not None:
            params["startTime"] = start_time
        return await self._call("GetLogEvents", "get_log_events", **params)


@asynccontextmanager
async def logs_client(
    region: str, group: str, resource_endpoint: str | None
) -> AsyncIterator[LogsClient]:
    endpoint = logs_endpoint(resource_endpoint, dict(os.environ))
    config = AioConfig(
        connect_timeout=10,
        read_timeout=30,
        retries={"total_max_attempts": 1},
        max_pool_connections=16,
    )
    session = get_session()
    async with session.create_client(
        "logs", region_name=region, endpoint_url=endpoint, config=config
    ) as client:
        yield LogsClient(client, region, group)
