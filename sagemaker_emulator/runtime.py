"""SageMaker Runtime's InvokeEndpoint: a deterministic stand-in for the model behind an endpoint.

No container runs. The answer is a pure function of the request body and the
production variant that serves it, so a test can predict it, see the same input
get the same answer, and tell two variants apart. Without a target variant the
body also picks the variant, by the variants' current weights, so a traffic
split is reproducible rather than random.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.endpoints import Endpoint
from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.service_models import validation_code
from sagemaker_emulator.state import ACCOUNT_ID, RegionState

SERVICE = "sagemaker-runtime"
CSV = "text/csv"
JSON = "application/json"
BINARY = "application/octet-stream"
# The answers are floats in [0, SCALE), written with this many decimals.
SCALE = 10.0
DECIMALS = 11


def _invalid(message: str) -> ServiceError:
    return ServiceError(validation_code(SERVICE), message)


def _model_error(endpoint: Endpoint, problem: str) -> ServiceError:
    # What SageMaker relays when the container itself rejects the request.
    return ServiceError(
        "ModelError",
        f'Received client error (400) from primary with message "{problem}". See the log '
        f"group /aws/sagemaker/Endpoints/{endpoint.name} in account {ACCOUNT_ID} for more "
        "information.",
        424,
    )


def _fraction(*parts: bytes) -> float:
    """A stable point in [0, 1) for ``parts`` (a hash, so equal inputs give equal points)."""
    digest = hashlib.sha256(b"\0".join(parts)).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def score(variant: str, item: bytes) -> float:
    """The prediction ``variant`` makes for one input row or instance."""
    return round(_fraction(b"score", variant.encode(), item) * SCALE, DECIMALS)


def _serving_endpoint(region: RegionState, name: str) -> Endpoint:
    endpoint = region.endpoints.get(name)
    if endpoint is None:
        raise _invalid(f"Endpoint {name} of account {ACCOUNT_ID} not found.")
    if endpoint.status != "InService":
        raise _invalid(
            f"Endpoint {name} of account {ACCOUNT_ID} is not in service: its status is "
            f"{endpoint.status}, and only an InService endpoint can be invoked."
        )
    return endpoint


def choose_variant(endpoint: Endpoint, target: str | None, body: bytes) -> str:
    names: list[str] = [variant["VariantName"] for variant in endpoint.variants]
    if target is not None:
        if target not in names:
            raise _invalid(
                f"Variant {target} not found for endpoint {endpoint.name} of account "
                f"{ACCOUNT_ID}. Its variants are: {', '.join(names)}."
            )
        return target
    weighted: list[tuple[str, float]] = [
        (v["VariantName"], float(v["CurrentWeight"])) for v in endpoint.variants
    ]
    weighted = [(name, weight) for name, weight in weighted if weight > 0]
    if not weighted:
        raise _invalid(
            f"Endpoint {endpoint.name} of account {ACCOUNT_ID} has no variant with a "
            "non-zero weight; name one with TargetVariant."
        )
    point = _fraction(b"route", body) * sum(weight for _, weight in weighted)
    reached = 0.0
    for name, weight in weighted:
        reached += weight
        if point < reached:
            return name
    # Rounding can leave the point a hair past the last cumulative weight.
    return weighted[-1][0]


def _csv_answer(endpoint: Endpoint, variant: str, body: bytes) -> bytes:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _model_error(endpoint, "unable to decode the CSV payload as UTF-8") from error
    rows = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(f"{score(variant, row.encode()):.{DECIMALS}f}" for row in rows).encode()


def _instances(document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(document.get("instances"), list):
        return list(document["instances"])
    if isinstance(document, list):
        return document
    return [document]


def _json_answer(endpoint: Endpoint, variant: str, body: bytes) -> bytes:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise _model_error(endpoint, "unable to parse the JSON payload") from error
    # Canonical JSON, so key order and spacing do not change the prediction.
    predictions = [
        score(variant, json.dumps(instance, sort_keys=True, separators=(",", ":")).encode())
        for instance in _instances(document)
    ]
    return json.dumps({"predictions": predictions}).encode()


def answer(endpoint: Endpoint, variant: str, content_type: str, body: bytes) -> tuple[str, bytes]:
    """The response's content type and body for ``body`` sent as ``content_type``."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == CSV:
        return CSV, _csv_answer(endpoint, variant, body)
    if media_type == JSON:
        return JSON, _json_answer(endpoint, variant, body)
    digest = hashlib.sha256(b"\0".join([b"digest", variant.encode(), body]))
    return BINARY, digest.hexdigest()[:16].encode()


def invoke_endpoint(ctx: RequestContext, params: Params) -> Response:
    endpoint = _serving_endpoint(ctx.region, params["EndpointName"])
    body: bytes = params["Body"]
    variant = choose_variant(endpoint, params.get("TargetVariant"), body)
    content_type, answered = answer(endpoint, variant, params.get("ContentType", BINARY), body)
    response: Response = {
        "Body": answered,
        "ContentType": content_type,
        "InvokedProductionVariant": variant,
    }
    # Model containers commonly echo the caller's attributes; that lets a test see them arrive.
    if "CustomAttributes" in params:
        response["CustomAttributes"] = params["CustomAttributes"]
    return response


OPERATIONS: dict[str, Handler] = {"InvokeEndpoint": invoke_endpoint}
