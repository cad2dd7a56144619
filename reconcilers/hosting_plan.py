"""What a HostingDeployment spec asks SageMaker for: models, an endpoint config, an endpoint.

Names follow content, so a spec change makes new SageMaker objects only where something
changed, and a crash between a create and the status write finds the same names again:

- each model is ``<spec model name>-<hash>-<uid>``, the hash over its CreateModel request;
- the endpoint configuration is ``<metadata.name>-<hash>-<uid>``, the hash over its request
  with the model names resolved, but without the variants' instance counts and weights:
  those change in place (UpdateEndpointWeightsAndCapacities); anything else takes a new
  configuration and UpdateEndpoint;
- the endpoint is ``spec.endpointName``, or ``<metadata.name>-<uid>``.

Tags are in no hash: a tag change alone does not redeploy an endpoint; tags apply to what
is created after it. Every model and configuration name ends with the whole uid, which is
how the operator finds everything a resource ever made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apis.hosting_deployment import HostingDeploymentSpec
from reconcilers.naming import derived_name, versioned_name
from reconcilers.ownership import with_owner_tag
from sagemaker_client.conversions.requests import (
    hosting_create_endpoint,
    hosting_create_endpoint_config,
    hosting_create_model,
    hosting_update_endpoint,
)

Request = dict[str, Any]
# What UpdateEndpointWeightsAndCapacities changes in place.
WEIGHT, COUNT = "DesiredWeight", "DesiredInstanceCount"
_CAPACITY_MEMBERS = {"InitialVariantWeight": WEIGHT, "InitialInstanceCount": COUNT}


def content_hash(request: Mapping[str, Any]) -> str:
    """Eight hex digits that change whenever the request's content does."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def _without(request: Mapping[str, Any], *members: str) -> Request:
    return {key: value for key, value in request.items() if key not in members}


@dataclass(frozen=True)
class HostingPlan:
    """Everything one generation of a HostingDeployment spec asks SageMaker for, named."""

    spec: HostingDeploymentSpec
    uid: str
    endpoint_name: str
    model_names: tuple[tuple[str, str], ...]  # (spec model name, SageMaker name), spec order
    model_requests: Mapping[str, Request]  # SageMaker model name -> CreateModel request
    config_name: str
    config_request: Request
    # variant -> {DesiredWeight: w, DesiredInstanceCount: n}, as the spec asks
    capacities: Mapping[str, Mapping[str, float | int]]

    @property
    def sagemaker_model_names(self) -> list[str]:
        return [name for _, name in self.model_names]

    def endpoint_request(self) -> Request:
        request = hosting_create_endpoint(self.spec, self.endpoint_name, self.config_name)
        request["Tags"] = with_owner_tag(request.get("Tags"), self.uid)
        return request

    def update_request(self) -> Request:
        return hosting_update_endpoint(self.spec, self.endpoint_name, self.config_name)

    def pushed(self) -> set[str]:
        """The variant properties the spec sets on update (retainAllVariantProperties keeps
        the endpoint's own, except those excludeRetainedVariantProperties lists)."""
        if not self.spec.retain_all_variant_properties:
            return {WEIGHT, COUNT}
        excluded = self.spec.exclude_retained_variant_properties or []
        return {WEIGHT, COUNT} & {p.variant_property_type for p in excluded}

    def capacity_changes(self, variants: Sequence[Mapping[str, Any]]) -> list[Request]:
        """The UpdateEndpointWeightsAndCapacities entries that bring ``variants`` (as
        DescribeEndpoint reports them) to the spec's weights and instance counts."""
        pushed = self.pushed()
        changes = []
        for variant in variants:
            wanted = self.capacities.get(str(variant.get("VariantName")), {})
            change = {
                member: value
                for member, value in wanted.items()
                if member in pushed and variant.get(member) != value
            }
            if change:
                changes.append({"VariantName": variant["VariantName"], **change})
        return changes

    def config_differs_in_capacity_only(self, described: Mapping[str, Any]) -> bool:
        """Whether an existing configuration of our name holds other counts or weights."""
        return _variant_capacities(described) != _variant_capacities(self.config_request)


def _variant_capacities(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {member: variant.get(member) for member in _CAPACITY_MEMBERS}
        for variant in request.get("ProductionVariants", [])
    ]


def plan(spec: HostingDeploymentSpec, resource_name: str, uid: str) -> HostingPlan:
    names: dict[str, str] = {}
    model_requests: dict[str, Request] = {}
    for model in spec.models:
        request = hosting_create_model(spec, model, "")
        name = versioned_name(model.name, content_hash(_without(request, "ModelName", "Tags")), uid)
        request["ModelName"] = name
        request["Tags"] = with_owner_tag(request.get("Tags"), uid)
        names[model.name] = name
        model_requests[name] = request
    config = hosting_create_endpoint_config(spec, "", names)
    identity = _without(config, "EndpointConfigName", "Tags")
    identity["ProductionVariants"] = [
        _without(variant, *_CAPACITY_MEMBERS) for variant in config["ProductionVariants"]
    ]
    config_name = versioned_name(resource_name, content_hash(identity), uid)
    config["EndpointConfigName"] = config_name
    config["Tags"] = with_owner_tag(config.get("Tags"), uid)
    capacities = {
        str(variant["VariantName"]): {
            WEIGHT: float(variant.get("InitialVariantWeight", 1.0)),
            **(
                {COUNT: variant["InitialInstanceCount"]}
                if "InitialInstanceCount" in variant
                else {}
            ),
        }
        for variant in config["ProductionVariants"]
    }
    return HostingPlan(
        spec=spec,
        uid=uid,
        endpoint_name=spec.endpoint_name or derived_name(resource_name, uid, 63),
        model_names=tuple((model.name, names[model.name]) for model in spec.models),
        model_requests=model_requests,
        config_name=config_name,
        config_request=config,
        capacities=capacities,
    )
