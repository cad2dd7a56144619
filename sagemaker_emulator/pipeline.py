"""What every API request goes through, whichever wire protocol carries it.

A wire protocol only names the operation, parses the parameters and renders
the result. Around it, every service gets the same fault injection, validation
against botocore's model, settling of the world, response check and request
log, so a REST call is throttled, dropped and counted exactly like a JSON 1.1 one.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

import structlog
from aiohttp import web

from sagemaker_emulator.conformance import response_problems
from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.faults import Decision, FaultInjector
from sagemaker_emulator.request_log import RequestLog, RequestRecord, resource_of
from sagemaker_emulator.service_models import operation_model
from sagemaker_emulator.state import DEFAULT_REGION, World
from sagemaker_emulator.validation import RequestValidator

log = structlog.get_logger(__name__)

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([a-z0-9-]+)/")


def region_of(request: web.Request) -> str:
    """The SigV4 credential scope names the region; signatures are not verified."""
    match = _SCOPE.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else DEFAULT_REGION


@dataclass(frozen=True)
class Target:
    service: str
    operation: str
    handler: Handler


class Wire(Protocol):
    """The protocol-specific part of serving a request."""

    def target(self, request: web.Request) -> Target:
        """The operation asked for; raises ServiceError for one the emulator lacks."""
        ...

    async def parse(self, request: web.Request, target: Target) -> Params:
        """The request's parameters as botocore names them."""
        ...

    def render(self, target: Target, result: Response) -> web.Response: ...

    def error_response(self, error: ServiceError) -> web.Response: ...


class RequestPipeline:
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
        self._validators: dict[str, RequestValidator] = {}

    async def serve(self, request: web.Request, wire: Wire) -> web.StreamResponse:
        started = time.perf_counter()
        operation, service, resource = "Unknown", "unknown", None
        decision = Decision()
        try:
            target = wire.target(request)
            operation, service = target.operation, target.service
            self._log.arrive(operation)
            decision = self._faults.decide(operation)
            # The whole request is read as it arrives, so one held by a latency fault is
            # carried out even when its caller has gone meanwhile (killed, timed out), as a
            # server does with a request it has received.
            params = await wire.parse(request, target)
            if decision.delay > 0:
                await asyncio.sleep(decision.delay)
            if decision.drop:
                self._record(service, operation, None, 0, "ConnectionDropped", started)
                return _abort(request)
            if decision.error is not None:
                raise decision.error
            resource = resource_of(params)
            response = wire.render(target, self._call(target, region_of(request), params))
        except ServiceError as error:
            self._record(service, operation, resource, error.status, error.code, started)
            return _stamped(wire.error_response(error))
        except Exception:
            # A bug in the emulator must still reach the client as AWS would report
            # a server fault, not as aiohttp's plain-text 500.
            log.exception("emulator.handler_crashed", operation=operation)
            self._record(service, operation, resource, 500, "InternalFailure", started)
            return _stamped(
                wire.error_response(
                    ServiceError(
                        "InternalFailure", "The emulator failed to handle the request.", 500
                    )
                )
            )
        if decision.drop_response:
            self._record(service, operation, resource, 200, "ResponseDropped", started)
            return _abort(request)
        self._record(service, operation, resource, 200, None, started)
        return _stamped(response)

    def _validator(self, service: str) -> RequestValidator:
        validator = self._validators.get(service)
        if validator is None:
            validator = self._validators[service] = RequestValidator(service)
        return validator

    def _call(self, target: Target, region: str, params: Params) -> Response:
        self._validator(target.service).validate(target.operation, params)
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
        return result

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


def _abort(request: web.Request) -> web.Response:
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


def _stamped(response: web.Response) -> web.Response:
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response
