"""AWS JSON 1.1: ``POST /`` with ``X-Amz-Target: <Prefix>.<Operation>``, JSON or an error out.

Faults, validation, the handler and the request log are the shared
:mod:`~sagemaker_emulator.pipeline`; this module is only the JSON 1.1 wire format.
"""

from __future__ import annotations

import json

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
from sagemaker_emulator.context import Handler, Params, Response
from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.pipeline import RequestPipeline, Target
from sagemaker_emulator.service_models import SERVICES

CONTENT_TYPE = "application/x-amz-json-1.1"

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


def error_response(error: ServiceError) -> web.Response:
    body = json.dumps({"__type": error.code, "message": error.message})
    return web.Response(
        status=error.status,
        body=body.encode(),
        content_type=CONTENT_TYPE,
        headers={"x-amzn-ErrorType": error.code},
    )


class Dispatcher:
    """Every JSON 1.1 service on ``POST /``, told apart by the ``X-Amz-Target`` prefix."""

    def __init__(self, pipeline: RequestPipeline) -> None:
        self._pipeline = pipeline
        self._prefixes = {prefix: service for service, prefix in SERVICES.items()}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        return await self._pipeline.serve(request, self)

    def target(self, request: web.Request) -> Target:
        prefix, _, operation = request.headers.get("X-Amz-Target", "").partition(".")
        service = self._prefixes.get(prefix)
        handler = HANDLERS.get(service or "", {}).get(operation)
        if service is None or handler is None:
            raise ServiceError(
                "UnknownOperationException",
                f"Unknown operation {request.headers.get('X-Amz-Target')!r}",
            )
        return Target(service, operation, handler)

    async def parse(self, request: web.Request, target: Target) -> Params:
        raw = await request.read()
        try:
            params = json.loads(raw or b"{}")
        except ValueError as error:
            raise ServiceError(
                "SerializationException", "Request body is not valid JSON"
            ) from error
        if not isinstance(params, dict):
            raise ServiceError("SerializationException", "Request body must be a JSON object")
        return params

    def render(self, target: Target, result: Response) -> web.Response:
        body = json.dumps(result, separators=(",", ":")).encode()
        return web.Response(body=body, content_type=CONTENT_TYPE)

    def error_response(self, error: ServiceError) -> web.Response:
        return error_response(error)
