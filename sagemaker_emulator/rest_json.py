"""AWS REST-JSON: the operation is the route, members travel in the URI, headers and payload.

Routes come from the service model's ``requestUri``, so the path is exactly the
one botocore builds. Only the bindings the emulated operations use are mapped
(string URI labels and headers, a blob payload); an operation needing more is
refused when the routes are built, not half-parsed at request time.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sagemaker_emulator.context import Handler, Params, Response
from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.pipeline import RequestPipeline, Target
from sagemaker_emulator.service_models import operation_model


def error_response(error: ServiceError) -> web.Response:
    # botocore's REST-JSON parser takes the code from this header, the message from the body.
    return web.Response(
        status=error.status,
        body=json.dumps({"message": error.message}).encode(),
        content_type="application/json",
        headers={"x-amzn-ErrorType": error.code},
    )


def _payload(shape: Any) -> str | None:
    name: str | None = shape.serialization.get("payload")
    return name


def _check_supported(service: str, operation: str) -> None:
    model = operation_model(service, operation)
    for shape in (model.input_shape, model.output_shape):
        if shape is None:
            continue
        payload = _payload(shape)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if name == payload and member.type_name == "blob":
                continue
            if location in ("uri", "header") and member.type_name == "string":
                continue
            raise TypeError(
                f"{service} {operation}: member {name} ({member.type_name} in "
                f"{location or 'body'}) is not mapped by the emulator's REST-JSON wire"
            )


class _OperationWire:
    """One REST-JSON operation: its route already says which operation it is."""

    def __init__(self, target: Target) -> None:
        self._target = target
        model = operation_model(target.service, target.operation)
        self._input = model.input_shape
        self._output = model.output_shape

    def target(self, request: web.Request) -> Target:
        return self._target

    async def parse(self, request: web.Request, target: Target) -> Params:
        params: Params = {}
        if self._input is None:
            return params
        payload = _payload(self._input)
        for name, member in self._input.members.items():
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if name == payload:
                params[name] = await request.read()
            elif location == "uri":
                params[name] = request.match_info[wire_name]
            elif location == "header" and wire_name in request.headers:
                params[name] = request.headers[wire_name]
        return params

    def render(self, target: Target, result: Response) -> web.Response:
        payload = _payload(self._output)
        body = b""
        headers: dict[str, str] = {}
        for name, value in result.items():
            if name == payload:
                body = value
            else:
                headers[self._output.members[name].serialization["name"]] = value
        return web.Response(body=body, headers=headers)

    def error_response(self, error: ServiceError) -> web.Response:
        return error_response(error)


class RestJsonService:
    """The routes of one REST-JSON service, each served through the shared pipeline."""

    def __init__(
        self, pipeline: RequestPipeline, service: str, handlers: dict[str, Handler]
    ) -> None:
        self._pipeline = pipeline
        self._service = service
        self._handlers = handlers
        for operation in handlers:
            _check_supported(service, operation)

    def routes(self) -> list[web.RouteDef]:
        return [self._route(operation, handler) for operation, handler in self._handlers.items()]

    def _route(self, operation: str, handler: Handler) -> web.RouteDef:
        http = operation_model(self._service, operation).http
        path = http["requestUri"].partition("?")[0]
        return web.route(
            http["method"], path, self._serving(Target(self._service, operation, handler))
        )

    def _serving(self, target: Target) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        wire = _OperationWire(target)

        async def serve(request: web.Request) -> web.StreamResponse:
            return await self._pipeline.serve(request, wire)

        return serve
