"""One aiobotocore client per (service, region, endpoint), and the calls made through it.

Every call spends from the region's request budget, is timed and counted, and fails with a
classified ``SageMakerError``. botocore's own retries are off: the work queue owns backoff,
so one failing call costs exactly one request and one budget token, and a throttled
SageMaker is never hit again at once by a hidden retry loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from typing import Any

import structlog
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore import xform_name

from sagemaker_client.budget import RequestBudget
from sagemaker_client.errors import classify
from sagemaker_client.metrics import (
    OUTCOME_CREDENTIALS,
    OUTCOME_SUCCESS,
    OUTCOME_TERMINAL,
    OUTCOME_TRANSIENT,
    SageMakerMetrics,
)

ENDPOINT_ENV = "AWS_DEFAULT_SAGEMAKER_ENDPOINT"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ClientSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_pool_connections: int = 50


def resolve_endpoint(resource_endpoint: str | None, default_endpoint: str | None) -> str | None:
    """The resource's ``sageMakerEndpoint``, else the manager's flag or env, else AWS's own."""
    return resource_endpoint or default_endpoint or os.environ.get(ENDPOINT_ENV) or None


class SageMakerClients:
    """Lazily made, reused aiobotocore clients; close them with ``aclose``."""

    def __init__(
        self,
        budget: RequestBudget,
        metrics: SageMakerMetrics,
        *,
        default_endpoint: str | None = None,
        settings: ClientSettings | None = None,
        session: AioSession | None = None,
    ) -> None:
        self.budget = budget
        self.metrics = metrics
        self.default_endpoint = default_endpoint
        self._settings = settings or ClientSettings()
        self._session = session or get_session()
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._creating = asyncio.Lock()
        self._stack = contextlib.AsyncExitStack()

    def _config(self) -> AioConfig:
        settings = self._settings
        return AioConfig(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_pool_connections=settings.max_pool_connections,
            retries={"total_max_attempts": 1},
        )

    async def client(self, service: str, region: str, endpoint: str | None) -> Any:
        key = (service, region, endpoint)
        found = self._clients.get(key)
        if found is not None:
            return found
        async with self._creating:
            found = self._clients.get(key)
            if found is None:
                creator = self._session.create_client(
                    service, region_name=region, endpoint_url=endpoint, config=self._config()
                )
                found = self._clients[key] = await self._stack.enter_async_context(creator)
                log.info(
                    "sagemaker_client_created",
                    service=service,
                    region=region,
                    endpoint=endpoint or "aws",
                )
        return found

    async def call(
        self,
        operation: str,
        region: str,
        params: dict[str, Any],
        *,
        endpoint: str | None = None,
        service: str = "sagemaker",
    ) -> dict[str, Any]:
        """Call ``operation`` (its API name, e.g. ``DescribeTrainingJob``) in ``region``.

        Raises ``SageMakerError`` classified as terminal or transient.
        """
        resolved = resolve_endpoint(endpoint, self.default_endpoint)
        api = await self.client(service, region, resolved)
        method = getattr(api, xform_name(operation))
        waited = time.monotonic()
        await self.budget.acquire(region)
        started = time.monotonic()
        self.metrics.budget_wait.labels(region=region).observe(started - waited)
        try:
            response: dict[str, Any] = await method(**params)
        except Exception as raw:
            error = classify(operation, raw)
            outcome = (
                OUTCOME_TERMINAL
                if error.terminal
                else OUTCOME_CREDENTIALS
                if error.credentials
                else OUTCOME_TRANSIENT
            )
            self.metrics.requests.labels(operation=operation, outcome=outcome).inc()
            self.metrics.latency.labels(operation=operation).observe(time.monotonic() - started)
            raise error from raw
        self.metrics.requests.labels(operation=operation, outcome=OUTCOME_SUCCESS).inc()
        self.metrics.latency.labels(operation=operation).observe(time.monotonic() - started)
        response.pop("ResponseMetadata", None)
        return response

    async def aclose(self) -> None:
        await self._stack.aclose()
        self._clients.clear()
