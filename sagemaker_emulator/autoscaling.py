"""Application Auto Scaling for SageMaker endpoint variants: targets and policies."""

from __future__ import annotations

import uuid
from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import ServiceError, validation_error
from sagemaker_emulator.listing import paginate
from sagemaker_emulator.state import ACCOUNT_ID, RegionState

SERVICE_ROLE = (
    f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/"
    "sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)


def _key(params: Params) -> tuple[str, str, str]:
    return params["ServiceNamespace"], params["ResourceId"], params["ScalableDimension"]


def _describe_key(key: tuple[str, str, str]) -> str:
    namespace, resource, dimension = key
    return (
        f"service namespace: {namespace}, resource ID: {resource}, scalable dimension: {dimension}"
    )


def _check_variant_exists(region: RegionState, resource_id: str) -> None:
    parts = resource_id.split("/")
    if len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
        raise validation_error(
            f"Unsupported resource ID {resource_id}; SageMaker variants are "
            "endpoint/<endpoint-name>/variant/<variant-name>"
        )
    endpoint = region.endpoints.get(parts[1])
    config = region.endpoint_configs.get(endpoint.config_name) if endpoint else None
    variants = {v["VariantName"] for v in config["ProductionVariants"]} if config else set()
    if parts[3] not in variants:
        raise validation_error(f"The endpoint variant {resource_id} does not exist.")


def register_scalable_target(ctx: RequestContext, params: Params) -> Response:
    key = _key(params)
    target = ctx.region.scalable_targets.get(key)
    if target is None:
        if key[0] == "sagemaker":
            _check_variant_exists(ctx.region, key[1])
        if "MinCapacity" not in params or "MaxCapacity" not in params:
            raise validation_error(
                "MinCapacity and MaxCapacity are required to register a new scalable target."
            )
        target = {
            "ServiceNamespace": key[0],
            "ResourceId": key[1],
            "ScalableDimension": key[2],
            "RoleARN": SERVICE_ROLE,
            "CreationTime": ctx.now,
            "ScalableTargetARN": f"arn:aws:application-autoscaling:{ctx.region.name}:"
            f"{ACCOUNT_ID}:scalable-target/{uuid.uuid4().hex[:24]}",
            "SuspendedState": {
                "DynamicScalingInSuspended": False,
                "DynamicScalingOutSuspended": False,
                "ScheduledScalingSuspended": False,
            },
        }
    merged = {**target}
    for field in ("MinCapacity", "MaxCapacity", "RoleARN", "SuspendedState"):
        if field in params:
            merged[field] = params[field]
    if merged["MinCapacity"] > merged["MaxCapacity"]:
        raise validation_error("Minimum capacity cannot be greater than maximum capacity")
    ctx.region.scalable_targets[key] = merged
    return {"ScalableTargetARN": merged["ScalableTargetARN"]}


def deregister_scalable_target(ctx: RequestContext, params: Params) -> Response:
    key = _key(params)
    if ctx.region.scalable_targets.pop(key, None) is None:
        raise ServiceError(
            "ObjectNotFoundException", f"No scalable target found for {_describe_key(key)}"
        )
    for policy_key in [k for k in ctx.region.scaling_policies if k[:3] == key]:
        del ctx.region.scaling_policies[policy_key]
    return {}


def describe_scalable_targets(ctx: RequestContext, params: Params) -> Response:
    ids = set(params.get("ResourceIds") or [])
    dimension = params.get("ScalableDimension")
    targets = [
        dict(target)
        for (namespace, resource, dim), target in ctx.region.scalable_targets.items()
        if namespace == params["ServiceNamespace"]
        and (not ids or resource in ids)
        and (dimension is None or dim == dimension)
    ]
    page, token = paginate(targets, params, default_max=50)
    response: Response = {"ScalableTargets": page}
    if token:
        response["NextToken"] = token
    return response


def _alarms(ctx: RequestContext, params: Params, policy_id: str) -> list[dict[str, str]]:
    if params.get("PolicyType") != "TargetTrackingScaling":
        return []
    alarms = []
    for side in ("AlarmHigh", "AlarmLow"):
        name = f"TargetTracking-{params['ResourceId']}-{side}-{policy_id}"
        arn = f"arn:aws:cloudwatch:{ctx.region.name}:{ACCOUNT_ID}:alarm:{name}"
        alarms.append({"AlarmName": name, "AlarmARN": arn})
    return alarms


def put_scaling_policy(ctx: RequestContext, params: Params) -> Response:
    key = _key(params)
    if key not in ctx.region.scalable_targets:
        raise ServiceError(
            "ObjectNotFoundException", f"No scalable target registered for {_describe_key(key)}"
        )
    policy_type = params.get("PolicyType", "StepScaling")
    if policy_type == "TargetTrackingScaling" and not params.get(
        "TargetTrackingScalingPolicyConfiguration"
    ):
        raise validation_error(
            "TargetTrackingScalingPolicyConfiguration is required for a policy of type "
            "TargetTrackingScaling"
        )
    policy_key = (*key, params["PolicyName"])
    existing = ctx.region.scaling_policies.get(policy_key)
    policy_id = existing["_id"] if existing else str(uuid.uuid4())
    arn = (
        f"arn:aws:autoscaling:{ctx.region.name}:{ACCOUNT_ID}:scalingPolicy:{policy_id}:"
        f"resource/{key[0]}/{key[1]}:policyName/{params['PolicyName']}"
    )
    alarms = _alarms(ctx, params, policy_id)
    policy: dict[str, Any] = {
        **params,
        "PolicyType": policy_type,
        "PolicyARN": arn,
        "Alarms": alarms,
        "CreationTime": existing["CreationTime"] if existing else ctx.now,
        "_id": policy_id,
    }
    ctx.region.scaling_policies[policy_key] = policy
    return {"PolicyARN": arn, "Alarms": alarms}


def delete_scaling_policy(ctx: RequestContext, params: Params) -> Response:
    key = (*_key(params), params["PolicyName"])
    if ctx.region.scaling_policies.pop(key, None) is None:
        raise ServiceError(
            "ObjectNotFoundException",
            f"No scaling policy found for {_describe_key(_key(params))}, "
            f"policy name: {params['PolicyName']}",
        )
    return {}


def describe_scaling_policies(ctx: RequestContext, params: Params) -> Response:
    names = set(params.get("PolicyNames") or [])
    policies = [
        {k: v for k, v in policy.items() if not k.startswith("_")}
        for (namespace, resource, dimension, name), policy in ctx.region.scaling_policies.items()
        if namespace == params["ServiceNamespace"]
        and (not names or name in names)
        and params.get("ResourceId") in (None, resource)
        and params.get("ScalableDimension") in (None, dimension)
    ]
    page, token = paginate(policies, params, default_max=50)
    response: Response = {"ScalingPolicies": page}
    if token:
        response["NextToken"] = token
    return response


OPERATIONS: dict[str, Handler] = {
    "RegisterScalableTarget": register_scalable_target,
    "DeregisterScalableTarget": deregister_scalable_target,
    "DescribeScalableTargets": describe_scalable_targets,
    "PutScalingPolicy": put_scaling_policy,
    "DeleteScalingPolicy": delete_scaling_policy,
    "DescribeScalingPolicies": describe_scaling_policies,
}
