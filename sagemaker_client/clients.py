"""One aiobotocore client per (service, region, endpoint), and the calls made through it.

Every call spends from the region's request budget, is timed and counted, and fails with a
classified ``SageMakerError``. botocore's own retries are off: the work queue owns backoff,
so one failing call costs exactly one request and one budget token, and a throttled
SageMaker is never hit again at once by a hidden retry loop.

aiobotocore is imported when the first client is made, not before: an operator with no
resources never pays for it. Its session loads service models from ``botocore_data/``
first (see ``operations.py``), trimmed to the operations the operator calls.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from sagemaker_client.budget import RequestBudget
from sagemaker_client.endpoint_policy import EndpointPolicy
from sagemaker_client.errors import classify
from sagemaker_client.metrics import (
    OUTCOME_CREDENTIALS,
    OUTCOME_SUCCESS,
    OUTCOME_TERMINAL,
    OUTCOME_TRANSIENT,
    SageMakerMetrics,
)
from sagemaker_client.operations import data_path_setting

if TYPE_CHECKING:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

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
    """Lazily made, reused aiobotocore clients; close them with ``aclose``.

    At most ``max_clients`` are kept: every resource may name its own region and endpoint,
    so the least recently used idle client is closed when another one is needed.
    """

    def __init__(
        self,
        budget: RequestBudget,
        metrics: SageMakerMetrics,
        *,
        default_endpoint: str | None = None,
        allowed_endpoints: Sequence[str] = (),
        max_clients: int = 32,
        settings: ClientSettings | None = None,
        session: AioSession | None = None,
    ) -> None:
        self.budget = budget
        self.metrics = metrics
        self.default_endpoint = default_endpoint
        self.policy = EndpointPolicy(allowed_endpoints, resolve_endpoint(None, default_endpoint))
        self.max_clients = max_clients
        self._settings = settings or ClientSettings()
        self._session = session
        self._clients: OrderedDict[ClientKey, _OpenClient] = OrderedDict()
        self._creating = asyncio.Lock()
        # Called in botocore's before-send, as each request goes on the wire (after the
        # budget wait, serializing and signing): it raises when this replica no longer
        # leads, so a reconcile that outlived its lease (frozen, or waiting for budget)
        # sends nothing a new leader might send too.
        self.guard: Callable[[], None] | None = None

    def session(self) -> AioSession:
        """The session every client is made from (made, with our data path, on first use)."""
        if self._session is None:
            from aiobotocore.session import get_session

            self._session = get_session()
            current = self._session.get_config_variable("data_path")
            self._session.set_config_variable("data_path", data_path_setting(current))
        return self._session

    def _config(self) -> AioConfig:
        from aiobotocore.config import AioConfig

        settings = self._settings
        return AioConfig(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_pool_connections=settings.max_pool_connections,
            retries={"total_max_attempts": 1},
        )

    async def _open(self, key: ClientKey) -> _OpenClient:
        found = self._clients.get(key)
        if found is None:
            async with self._creating:
                found = self._clients.get(key)
                if found is None:
                    found = await self._create(key)
        self._clients.move_to_end(key)
        return found

    async def _create(self, key: ClientKey) -> _OpenClient:
        service, region, endpoint = key
        await self._evict_idle(room_for=1)
        creator = self.session().create_client(
            service, region_name=region, endpoint_url=endpoint, config=self._config()
        )
        opened = self._clients[key] = _OpenClient(creator, await creator.__aenter__())
        opened.client.meta.events.register("before-send", self._guard_before_send)
        log.info(
            "sagemaker_client_created", service=service, region=region, endpoint=endpoint or "aws"
        )
        return opened

    async def _evict_idle(self, room_for: int) -> None:
        for key in list(self._clients):
            if len(self._clients) + room_for <= self.max_clients:
                return
            if self._clients[key].in_use == 0:
                await self._clients.pop(key).close()
                log.info("sagemaker_client_closed", service=key[0], region=key[1])

    async def client(self, service: str, region: str, endpoint: str | None) -> Any:
        return (await self._open((service, region, endpoint))).client

    async def call(
        self,
        operation: str,
        region: str,
        params: dict[str, Any],
        *,
        endpoint: str | None = None,
        service: str = "sagemaker",
        first: bool = False,
    ) -> dict[str, Any]:
        """Call ``operation`` (its API name, e.g. ``DescribeTrainingJob``) in ``region``.

        ``first``: the call brings a change SageMaker made to a status, so it waits for the
        request budget ahead of the others (see ``sagemaker_client.budget``).

        Raises ``SageMakerError`` classified as terminal or transient.
        """
        self.policy.check(operation, region, endpoint)
        resolved = resolve_endpoint(endpoint, self.default_endpoint)
        opened = await self._open((service, region, resolved))
        opened.in_use += 1  # from here on it is not evicted, even while waiting for budget
        try:
            return await self._send(opened.client, operation, region, params, first)
        finally:
            opened.in_use -= 1

    async def _send(
        self, api: Any, operation: str, region: str, params: dict[str, Any], first: bool
    ) -> dict[str, Any]:
        method = getattr(api, _method_name(operation))
        waited = time.monotonic()
        await self.budget.acquire(region, first=first)
        started = time.monotonic()
        self.metrics.budget_wait.labels(region=region).observe(started - waited)
        try:
            response: dict[str, Any] = await method(**params)
        except _NotLeading as refused:
            raise refused.cause from None
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

    def _guard_before_send(self, **_: Any) -> None:
        if self.guard is not None:
            try:
                self.guard()
            except Exception as cause:
                raise _NotLeading(cause) from None

    async def aclose(self) -> None:
        while self._clients:
            await self._clients.popitem(last=False)[1].close()


ClientKey = tuple[str, str, str | None]  # service, region, endpoint


class _NotLeading(Exception):
    """Carries the guard's refusal through botocore, which would otherwise wrap it."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _method_name(operation: str) -> str:
    from botocore import xform_name

    name: str = xform_name(operation)
    return name


class _OpenClient:
    """An entered aiobotocore client, its context manager, and the calls it has in flight."""

    def __init__(self, creator: Any, client: Any) -> None:
        self._creator = creator
        self.client = client
        self.in_use = 0

    async def close(self) -> None:
        await self._creator.__aexit__(None, None, None)
