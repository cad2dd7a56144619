"""AWS JSON 1.1: ``X-Amz-Target: <Prefix>.<Operation>`` in, JSON or an error envelope out.

Each request is: fault injection, JSON parsing, validation against botocore's
model, settling the world to now, the handler, and (in strict mode) a check of
the response against the output shape. All of it is logged for assertions.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web

from sagemaker_emulator import (
    autoscaling,
    batch_jobs,
    endpoints,
    logs,
    models,
    tags,
    training,
    tuning,
)
from sagemaker_emulator.conformance import response_problems
from sagemaker_emulator.context import Handler, RequestContext
from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.faults import FaultInjector
from sagemaker_emulator.request_log import RequestLog, RequestRecord, resource_of
from sagemaker_emulator.service_models import SERVICES, operation_model
from sagemaker_emulator.state import DEFAULT_REGION, World
from sagemaker_emulator.validation import RequestValidator

log = structlog.get_logger(__name__)

CONTENT_TYPE = "application/x-amz-json-1.1"
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([a-z0-9-]+)/")

HANDLERS: dict[str, dict[str, Handler]] = {
    "sagemaker": {
        **training.OPERATIONS,
        **batch_jobs.OPERATIONS,
        **tuning.OPERATIONS,
        **models.OPERATIONS,
        **endpoints.OPERATIONS,
        **tags.OPERATIONS,
    },
    "logs": logs.OPERATIONS,
    "application-autoscaling": autoscaling.OPERATIONS,
}


def region_of(request: web.Request) -> str:
    """The SigV4 credential scope names the region; signatures are not verified."""
    match = _SCOPE.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else DEFAULT_REGION


def error_response(error: ServiceError) -> web.Response:
    body = json.dumps({"__type": error.code, "message": error.message})
    return web.Response(
        status=error.status,
        body=body.encode(),
        content_type=CONTENT_TYPE,
        headers={"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": error.code},
    )


@dataclass
class _Target:
    service: str
    operation: str
    handler: Handler


class Dispatcher:
    def __init__(
        self,
        world: World,
        faults: FaultInjector,
        request_log: RequestLog,
        check_responses: bool = False,
    ) -> None:
        self._world = world
        self._faults = faults
        self._log = request_log
        self.check_responses = check_responses
        self._prefixes = {prefix: service for service, prefix in SERVICES.items()}
        self._validators = {service: RequestValidator(service) for service in SERVICES}

    def _target(self, request: web.Request) -> _Target:
        prefix, _, operation = request.headers.get("X-Amz-Target", "").partition(".")
        service = self._prefixes.get(prefix)
        handler = HANDLERS.get(service or "", {}).get(operation)
        if service is None or handler is None:
            raise ServiceError(
                "UnknownOperationException",
                f"Unknown operation {request.headers.get('X-Amz-Target')!r}",
            )
        return _Target(service, operation, handler)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        operation, service, resource = "Unknown", "unknown", None
        try:
            target = self._target(request)
            operation, service = target.operation, target.service
            self._log.arrive(operation)
            decision = self._faults.decide(operation)
            if decision.delay > 0:
                await asyncio.sleep(decision.delay)
            if decision.drop:
                self._record(service, operation, None, 0, "ConnectionDropped", started)
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            if decision.error is not None:
                raise decision.error
            params = self._parse(await request.read())
            resource = resource_of(params)
            body = self._call(target, region_of(request), params)
        except ServiceError as error:
            self._record(service, operation, resource, error.status, error.code, started)
            return error_response(error)
        except Exception:
            # A bug in the emulator must still reach the client as AWS would report
            # a server fault, not as aiohttp's plain-text 500.
            log.exception("emulator.handler_crashed", operation=operation)
            self._record(service, operation, resource, 500, "InternalFailure", started)
            return error_response(
                ServiceError("InternalFailure", "The emulator failed to handle the request.", 500)
            )
        if decision.drop_response:
            self._record(service, operation, resource, 200, "ResponseDropped", started)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        self._record(service, operation, resource, 200, None, started)
        return web.Response(
            body=body,
            content_type=CONTENT_TYPE,
            headers={"x-amzn-RequestId": str(uuid.uuid4())},
        )

    @staticmethod
    def _parse(raw: bytes) -> dict[str, Any]:
        try:
            params = json.loads(raw or b"{}")
        except ValueError as error:
            raise ServiceError(
                "SerializationException", "Request body is not valid JSON"
            ) from error
        if not isinstance(params, dict):
            raise ServiceError("SerializationException", "Request body must be a JSON object")
        return params

    def _call(self, target: _Target, region: str, params: dict[str, Any]) -> bytes:
        self._validators[target.service].validate(target.operation, params)
        now = self._world.settle()
        context = RequestContext(self._world, self._world.region(region), now)
        result = target.handler(context, params)
        if self.check_responses:
            shape = operation_model(target.service, target.operation).output_shape
            problems = response_problems(result, shape)
            if problems:
                log.error("emulator.bad_response", operation=target.operation, problems=problems)
                raise ServiceError(
                    "InternalFailure",
                    f"Emulator produced a response outside the model: {'; '.join(problems)}",
                    500,
                )
        return json.dumps(result, separators=(",", ":")).encode()

    def _record(
        self,
        service: str,
        operation: str,
        resource: str | None,
        status: int,
        error_code: str | None,
        started: float,
    ) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        self._log.record(
            RequestRecord(
                RequestLog.now(), service, operation, resource, status, error_code, elapsed
            )
        )
