"""HostingAutoscalingPolicy: Application Auto Scaling for endpoint variants.

Every listed variant is registered as a scalable target and gets the policy, once its
endpoint is InService. A pass reads the targets and policies (two calls) and re-applies
whatever differs from the spec, whether the spec changed or someone changed them behind
the operator's back. Variants dropped from the spec, and the policy under a former name,
are removed. Deleting the resource removes the policy and deregisters every target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apis.hosting_autoscaling_policy import HOSTING_AUTOSCALING_POLICY
from reconcilers.job_kind import SYNCHRONIZING
from reconcilers.kinds import HOSTING_AUTOSCALING_POLICY_KIND, STATUS_FIELDS
from reconcilers.sagemaker_nouns import ENDPOINT
from reconcilers.service_kind import Delta, NotYet, Observation, ServiceContext, ServiceKind
from sagemaker_client.conversions.requests import (
    autoscaling_resource_ids,
    put_scaling_policies,
    register_scalable_targets,
)
from sagemaker_client.errors import SageMakerError

AUTOSCALING = "application-autoscaling"
NAMESPACE = "sagemaker"
# The old operator's default, written into its specs; ours keeps it in memory.
DEFAULT_POLICY_NAME = "SageMakerEndpointInvocationScalingPolicy"
CREATED = "Created"
_POLICY_CONFIGURATIONS = (
    "PolicyType",
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)
_TARGET_SETTINGS = ("MinCapacity", "MaxCapacity", "RoleARN", "SuspendedState")


@dataclass
class Scaling:
    """What Application Auto Scaling has for the resource's variants."""

    targets: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource id -> target
    policies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (id, name)


def _covers(wanted: Any, found: Any) -> bool:
    """Whether ``found`` holds everything ``wanted`` asks (AWS may add defaults of its own)."""
    if isinstance(wanted, Mapping):
        return isinstance(found, Mapping) and all(
            _covers(value, found.get(key)) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(found, list)
            and len(wanted) == len(found)
            and all(_covers(w, f) for w, f in zip(wanted, found, strict=True))
        )
    return bool(wanted == found)


class HostingAutoscalingPolicyKind(ServiceKind[Scaling]):
    kind = HOSTING_AUTOSCALING_POLICY_KIND
    info = HOSTING_AUTOSCALING_POLICY
    noun = "scaling policy"
    status_field = STATUS_FIELDS[HOSTING_AUTOSCALING_POLICY_KIND.kind]
    working_status = "Reconciling"

    def policy_name(self, ctx: ServiceContext) -> str:
        return str(ctx.spec.policy_name or DEFAULT_POLICY_NAME)

    def _ids(self, ctx: ServiceContext) -> list[str]:
        return autoscaling_resource_ids(ctx.spec)

    def _known_ids(self, ctx: ServiceContext) -> list[str]:
        """The spec's variants and those an earlier spec registered."""
        earlier = [i for i in ctx.status.get("resourceIDList") or [] if i not in self._ids(ctx)]
        return [*self._ids(ctx), *earlier]

    def _policy_names(self, ctx: ServiceContext) -> list[str]:
        earlier = ctx.status.get("policyName")
        names = [self.policy_name(ctx)]
        return [*names, str(earlier)] if earlier and earlier not in names else names

    def recorded(self, ctx: ServiceContext) -> bool:
        status = ctx.status
        return (
            status.get(self.status_field) == CREATED
            and status.get("policyName") == self.policy_name(ctx)
            and set(self._ids(ctx)) <= set(status.get("resourceIDList") or [])
        )

    # -- read ------------------------------------------------------------------------------

    async def read(self, ctx: ServiceContext) -> Scaling | None:
        ids = self._known_ids(ctx)
        scaling = Scaling()
        for target in await self._pages(
            ctx,
            "DescribeScalableTargets",
            "ScalableTargets",
            ResourceIds=ids,
            ScalableDimension=ctx.spec.scalable_dimension,
        ):
            scaling.targets[str(target["ResourceId"])] = target
        for policy in await self._pages(
            ctx, "DescribeScalingPolicies", "ScalingPolicies", PolicyNames=self._policy_names(ctx)
        ):
            if policy.get("ResourceId") in ids:
                scaling.policies[(str(policy["ResourceId"]), str(policy["PolicyName"]))] = policy
        if not scaling.targets and not scaling.policies:
            return None
        return scaling

    async def _pages(
        self, ctx: ServiceContext, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {"ServiceNamespace": NAMESPACE, **params}
        while True:
            page = await ctx.call(operation, request, service=AUTOSCALING)
            found.extend(page.get(key, []))
            if not page.get("NextToken"):
                return found
            request = {**request, "NextToken": page["NextToken"]}

    # -- compare and apply -----------------------------------------------------------------

    def delta(self, ctx: ServiceContext, state: Scaling) -> Delta | None:
        name = self.policy_name(ctx)
        targets = {r["ResourceId"]: r for r in register_scalable_targets(ctx.spec)}
        for request in put_scaling_policies(ctx.spec, name):
            resource = request["ResourceId"]
            target = state.targets.get(resource)
            wanted = {k: v for k, v in targets[resource].items() if k in _TARGET_SETTINGS}
            if target is None or not _covers(wanted, target):
                return Delta(f"register {resource}")
            policy = state.policies.get((resource, name))
            settings = {k: v for k, v in request.items() if k in _POLICY_CONFIGURATIONS}
            if policy is None or not _covers(settings, policy):
                return Delta(f"put the policy on {resource}")
        if any(i not in targets for i in state.targets) or any(
            policy_name != name for _, policy_name in state.policies
        ):
            return Delta("remove what the spec no longer lists")
        return None

    async def create(self, ctx: ServiceContext) -> Scaling:
        return await self._apply(ctx, Scaling())

    async def update(self, ctx: ServiceContext, state: Scaling, delta: Delta) -> Scaling:
        return await self._apply(ctx, state)

    async def _apply(self, ctx: ServiceContext, state: Scaling) -> Scaling:
        await self._require_in_service(ctx)
        name, wanted = self.policy_name(ctx), set(self._ids(ctx))
        for resource, policy_name in list(state.policies):
            if resource not in wanted or policy_name != name:
                await self._remove_policy(ctx, resource, policy_name)
        for resource in state.targets:
            if resource not in wanted:
                await self._deregister(ctx, resource)
        for request in register_scalable_targets(ctx.spec):
            await ctx.call("RegisterScalableTarget", request, service=AUTOSCALING)
        for request in put_scaling_policies(ctx.spec, name):
            await ctx.call("PutScalingPolicy", request, service=AUTOSCALING)
        await ctx.event(
            "Normal", "Applied", f"scaling policy {name} applied to {', '.join(sorted(wanted))}"
        )
        return await self.read(ctx) or Scaling()

    async def _require_in_service(self, ctx: ServiceContext) -> None:
        """Application Auto Scaling registers a variant only of an InService endpoint."""
        for endpoint in sorted({target.endpoint_name for target in ctx.spec.resource_id}):
            found = await ENDPOINT.describe(ctx, endpoint)
            state = "missing" if found is None else found["EndpointStatus"]
            if state != "InService":
                raise NotYet(
                    "EndpointNotInService",
                    f"waiting for endpoint {endpoint} to be InService (it is {state}); "
                    "the policy is applied then",
                )

    async def _remove_policy(self, ctx: ServiceContext, resource: str, name: str) -> None:
        await self._ignore_missing(
            ctx,
            "DeleteScalingPolicy",
            {"PolicyName": name, "ResourceId": resource, "ScalableDimension": self._dim(ctx)},
        )

    async def _deregister(self, ctx: ServiceContext, resource: str) -> None:
        await self._ignore_missing(
            ctx,
            "DeregisterScalableTarget",
            {"ResourceId": resource, "ScalableDimension": self._dim(ctx)},
        )

    def _dim(self, ctx: ServiceContext) -> str:
        return str(ctx.spec.scalable_dimension)

    async def _ignore_missing(
        self, ctx: ServiceContext, operation: str, params: dict[str, Any]
    ) -> None:
        try:
            await ctx.call(
                operation, {"ServiceNamespace": NAMESPACE, **params}, service=AUTOSCALING
            )
        except SageMakerError as error:
            if not error.is_not_found:
                raise

    # -- status and delete -----------------------------------------------------------------

    def observe(self, ctx: ServiceContext, state: Scaling | None) -> Observation:
        if state is None:
            return Observation({self.status_field: SYNCHRONIZING}, False, "Synchronizing", "")
        name = self.policy_name(ctx)
        ids = [i for i in self._known_ids(ctx) if i in state.targets]
        arns = [
            str(state.policies[(i, name)]["PolicyARN"]) for i in ids if (i, name) in state.policies
        ]
        applied = set(self._ids(ctx)) <= set(ids) and len(arns) == len(ids)
        status: dict[str, Any] = {
            self.status_field: CREATED if applied else self.working_status,
            "policyName": name,
            "resourceIDList": ids or None,
            "policyArns": arns or None,
        }
        return Observation(
            {k: v for k, v in status.items() if v is not None},
            ready=applied,
            reason=CREATED if applied else "Reconciling",
            message=f"policy {name} on {', '.join(ids) or 'no variant yet'}",
            subject=name,
        )

    async def delete(self, ctx: ServiceContext) -> bool:
        for resource in self._known_ids(ctx):
            for name in self._policy_names(ctx):
                await self._remove_policy(ctx, resource, name)
            await self._deregister(ctx, resource)
        return True


HOSTING_AUTOSCALING_POLICY_DESCRIPTOR = HostingAutoscalingPolicyKind()
