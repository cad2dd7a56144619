"""Endpoints: Creating -> InService, Updating with rollback, Deleting -> gone.

An update to a bad configuration (scripted to fail, or naming a model that no
longer exists) rolls back: the endpoint returns to InService on its old
configuration with a FailureReason, as SageMaker does for failed deployments.
A failure scripted for the endpoint itself is harder: its next deployment,
creation or update, ends Failed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.listing import filter_records, list_response, sort_records
from sagemaker_emulator.models import ENDPOINT_CONFIG, find_config
from sagemaker_emulator.service_models import list_member_fields
from sagemaker_emulator.state import RegionState, World, make_arn

KIND = "endpoint"
# Variant properties UpdateEndpoint can retain, and the summary members that hold them.
_RETAINABLE = {
    "DesiredInstanceCount": ("CurrentInstanceCount", "DesiredInstanceCount"),
    "DesiredWeight": ("CurrentWeight", "DesiredWeight"),
}


@dataclass
class Endpoint:
    name: str
    arn: str
    config_name: str
    created: float
    status: str = "Creating"
    last_modified: float = 0.0
    failure_reason: str | None = None
    variants: list[dict[str, Any]] = field(default_factory=list)
    pending_config: str | None = None
    pending_since: float | None = None
    generation: int = 0


def config_problem(world: World, region: RegionState, config_name: str) -> str | None:
    """Why deploying this configuration would fail, or None."""
    scripted = world.outcomes.failure_for(ENDPOINT_CONFIG, config_name)
    if scripted is not None:
        return scripted
    config = region.endpoint_configs.get(config_name)
    if config is None:
        return f"The endpoint configuration {config_name} no longer exists."
    for variant in config["ProductionVariants"]:
        model = variant.get("ModelName")
        if model is not None and model not in region.models:
            return f"Could not find model {model} used by variant {variant['VariantName']}."
    return None


def variant_summaries(
    region: RegionState, config: dict[str, Any], at: float
) -> list[dict[str, Any]]:
    summaries = []
    for variant in config["ProductionVariants"]:
        model = region.models.get(variant.get("ModelName", ""), {})
        image = model.get("PrimaryContainer", {}).get("Image")
        count = variant.get("InitialInstanceCount", 1)
        weight = variant.get("InitialVariantWeight", 1.0)
        summary: dict[str, Any] = {
            "VariantName": variant["VariantName"],
            "CurrentWeight": weight,
            "DesiredWeight": weight,
            "CurrentInstanceCount": count,
            "DesiredInstanceCount": count,
        }
        if image:
            digest = f"{zlib.crc32(image.encode()):08x}" * 8
            summary["DeployedImages"] = [
                {
                    "SpecifiedImage": image,
                    "ResolvedImage": f"{image}@sha256:{digest}",
                    "ResolutionTime": at,
                }
            ]
        summaries.append(summary)
    return summaries


class EndpointRunner:
    def __init__(self, world: World, region: RegionState) -> None:
        self._world = world
        self._region = region

    def _after(self, endpoint: Endpoint, delay: float, at: float, step: Any) -> None:
        generation = endpoint.generation

        def fire(when: float) -> None:
            if (
                endpoint.generation == generation
                and self._region.endpoints.get(endpoint.name) is endpoint
            ):
                step(when)

        self._world.scheduler.at(at + delay, fire)

    def _log(self, endpoint: Endpoint, at: float, message: str) -> None:
        for variant in endpoint.variants:
            stream = f"{variant['VariantName']}/i-{zlib.crc32(endpoint.arn.encode()):08x}"
            self._region.logs.append(
                f"/aws/sagemaker/Endpoints/{endpoint.name}", stream, at, message
            )

    def create(self, endpoint: Endpoint) -> None:
        endpoint.last_modified = endpoint.created
        scripted = self._world.outcomes.failure_for(KIND, endpoint.name)

        def settle(at: float) -> None:
            problem = scripted or config_problem(self._world, self._region, endpoint.config_name)
            endpoint.last_modified = at
            if problem is not None:
                endpoint.status, endpoint.failure_reason = "Failed", problem
                return
            config = self._region.endpoint_configs[endpoint.config_name]
            endpoint.variants = variant_summaries(self._region, config, at)
            endpoint.status = "InService"
            self._log(endpoint, at, "Model server started; endpoint InService")

        self._after(endpoint, self._world.timings.endpoint_creating, endpoint.created, settle)

    def update(
        self,
        endpoint: Endpoint,
        config_name: str,
        at: float,
        retained: frozenset[str] = frozenset(),
    ) -> None:
        """Deploy ``config_name``; ``retained`` variant properties keep their current values."""
        endpoint.status, endpoint.last_modified = "Updating", at
        endpoint.pending_config, endpoint.pending_since = config_name, at

        def settle(when: float) -> None:
            endpoint.pending_config = endpoint.pending_since = None
            endpoint.last_modified = when
            hard = self._world.outcomes.failure_for(KIND, endpoint.name)
            if hard is not None:
                endpoint.status, endpoint.failure_reason = "Failed", hard
                return
            problem = config_problem(self._world, self._region, config_name)
            endpoint.status = "InService"
            if problem is not None:
                endpoint.failure_reason = problem
                self._log(endpoint, when, f"Update rolled back: {problem}")
                return
            config = self._region.endpoint_configs[config_name]
            endpoint.config_name, endpoint.failure_reason = config_name, None
            before = {variant["VariantName"]: variant for variant in endpoint.variants}
            endpoint.variants = variant_summaries(self._region, config, when)
            for variant in endpoint.variants:
                old = before.get(variant["VariantName"])
                for prop, members in _RETAINABLE.items():
                    if old is not None and prop in retained:
                        variant.update({member: old[member] for member in members})
            self._log(endpoint, when, f"Deployed endpoint configuration {config_name}")

        self._after(endpoint, self._world.timings.endpoint_updating, at, settle)

    def update_weights(self, endpoint: Endpoint, desired: list[dict[str, Any]], at: float) -> None:
        by_name = {variant["VariantName"]: variant for variant in endpoint.variants}
        for change in desired:
            variant = by_name[change["VariantName"]]
            if "DesiredWeight" in change:
                variant["DesiredWeight"] = change["DesiredWeight"]
            if "DesiredInstanceCount" in change:
                variant["DesiredInstanceCount"] = change["DesiredInstanceCount"]
        endpoint.status, endpoint.last_modified = "Updating", at

        def settle(when: float) -> None:
            for variant in endpoint.variants:
                variant["CurrentWeight"] = variant["DesiredWeight"]
                variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]
            endpoint.status, endpoint.last_modified = "InService", when

        self._after(endpoint, self._world.timings.weights_updating, at, settle)

    def delete(self, endpoint: Endpoint, at: float) -> None:
        endpoint.generation += 1
        endpoint.status, endpoint.last_modified = "Deleting", at

        def gone(when: float) -> None:
            del self._region.endpoints[endpoint.name]
            self._region.tags.pop(endpoint.arn, None)

        self._after(endpoint, self._world.timings.endpoint_deleting, at, gone)


def endpoint_arn(region: RegionState, name: str) -> str:
    return make_arn(region.name, KIND, name)


def find_endpoint(region: RegionState, name: str) -> Endpoint:
    endpoint = region.endpoints.get(name)
    if endpoint is None:
        raise validation_error(f'Could not find endpoint "{endpoint_arn(region, name)}".')
    return endpoint


def describe_endpoint_record(endpoint: Endpoint) -> dict[str, Any]:
    record: dict[str, Any] = {
        "EndpointName": endpoint.name,
        "EndpointArn": endpoint.arn,
        "EndpointConfigName": endpoint.config_name,
        "EndpointStatus": endpoint.status,
        "CreationTime": endpoint.created,
        "LastModifiedTime": endpoint.last_modified,
    }
    if endpoint.variants:
        record["ProductionVariants"] = [dict(v) for v in endpoint.variants]
    if endpoint.failure_reason:
        record["FailureReason"] = endpoint.failure_reason
    if endpoint.pending_config is not None:
        record["PendingDeploymentSummary"] = {
            "EndpointConfigName": endpoint.pending_config,
            "StartTime": endpoint.pending_since,
        }
    return record


def create_endpoint(ctx: RequestContext, params: Params) -> Response:
    name = params["EndpointName"]
    arn = endpoint_arn(ctx.region, name)
    if name in ctx.region.endpoints:
        raise validation_error(f'Cannot create already existing endpoint "{arn}".')
    find_config(ctx.region, params["EndpointConfigName"])
    endpoint = Endpoint(name, arn, params["EndpointConfigName"], ctx.now)
    ctx.region.endpoints[name] = endpoint
    ctx.region.tags[arn] = list(params.get("Tags", []))
    EndpointRunner(ctx.world, ctx.region).create(endpoint)
    return {"EndpointArn": arn}


def describe_endpoint(ctx: RequestContext, params: Params) -> Response:
    return describe_endpoint_record(find_endpoint(ctx.region, params["EndpointName"]))


def _require_in_service(endpoint: Endpoint) -> None:
    if endpoint.status in ("Creating", "Updating", "Deleting", "SystemUpdating"):
        raise validation_error(f'Cannot update in-progress endpoint "{endpoint.arn}".')
    if endpoint.status != "InService":
        raise validation_error(
            f'Cannot update endpoint "{endpoint.arn}" because it is in status {endpoint.status}.'
        )


def retained_properties(params: Params) -> frozenset[str]:
    """What RetainAllVariantProperties keeps, less ExcludeRetainedVariantProperties."""
    if not params.get("RetainAllVariantProperties"):
        return frozenset()
    excluded = {
        p["VariantPropertyType"] for p in params.get("ExcludeRetainedVariantProperties", [])
    }
    return frozenset(_RETAINABLE) - excluded


def update_endpoint(ctx: RequestContext, params: Params) -> Response:
    endpoint = find_endpoint(ctx.region, params["EndpointName"])
    _require_in_service(endpoint)
    find_config(ctx.region, params["EndpointConfigName"])
    runner = EndpointRunner(ctx.world, ctx.region)
    runner.update(endpoint, params["EndpointConfigName"], ctx.now, retained_properties(params))
    return {"EndpointArn": endpoint.arn}


def update_weights(ctx: RequestContext, params: Params) -> Response:
    endpoint = find_endpoint(ctx.region, params["EndpointName"])
    _require_in_service(endpoint)
    known = {variant["VariantName"] for variant in endpoint.variants}
    unknown = [
        d["VariantName"]
        for d in params["DesiredWeightsAndCapacities"]
        if d["VariantName"] not in known
    ]
    if unknown:
        raise validation_error(
            f"The variant name(s) [{', '.join(unknown)}] is/are not present in endpoint "
            f'"{endpoint.arn}".'
        )
    runner = EndpointRunner(ctx.world, ctx.region)
    runner.update_weights(endpoint, params["DesiredWeightsAndCapacities"], ctx.now)
    return {"EndpointArn": endpoint.arn}


def delete_endpoint(ctx: RequestContext, params: Params) -> Response:
    endpoint = find_endpoint(ctx.region, params["EndpointName"])
    if endpoint.status != "Deleting":
        EndpointRunner(ctx.world, ctx.region).delete(endpoint, ctx.now)
    return {}


def list_endpoints(ctx: RequestContext, params: Params) -> Response:
    records = [describe_endpoint_record(e) for e in ctx.region.endpoints.values()]
    records = filter_records(records, params, "EndpointName", "EndpointStatus")
    sort_keys = {"Name": "EndpointName", "CreationTime": "CreationTime", "Status": "EndpointStatus"}
    records = sort_records(records, params, sort_keys, default_order="Descending")
    fields = list_member_fields("sagemaker", "ListEndpoints", "Endpoints")
    return list_response(records, params, "Endpoints", fields)


OPERATIONS: dict[str, Handler] = {
    "CreateEndpoint": create_endpoint,
    "DescribeEndpoint": describe_endpoint,
    "UpdateEndpoint": update_endpoint,
    "UpdateEndpointWeightsAndCapacities": update_weights,
    "DeleteEndpoint": delete_endpoint,
    "ListEndpoints": list_endpoints,
}
