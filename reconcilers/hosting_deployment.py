"""HostingDeployment: a whole SageMaker endpoint (its models, configuration and endpoint).

A pass describes the endpoint (one call; an InService endpoint costs nothing more) and:

- missing: creates the models, the configuration and the endpoint (again, and says so, when
  it was deleted behind the operator's back);
- a pending spec change, endpoint InService: a new configuration and UpdateEndpoint, or,
  when only weights and instance counts changed, UpdateEndpointWeightsAndCapacities;
  while the endpoint is Creating or Updating the change waits;
- a pending change to a Failed endpoint: deletes it, then creates it anew;
- the change settled (the endpoint back to InService, updated or rolled back): deletes
  every model and configuration the resource made that the endpoint no longer runs.

An update SageMaker rolls back leaves the endpoint serving its old configuration; the
status says why (``failureReason``, ``Ready`` with a message, a Warning Event) and the
same spec is not tried again. Instance counts are compared only when the spec changed,
so autoscaling is never fought.
"""

from __future__ import annotations

from typing import Any

from apis.hosting_deployment import HOSTING_DEPLOYMENT
from reconcilers.endpoint_users import models_of
from reconcilers.hosting_plan import HostingPlan, plan
from reconcilers.job_kind import SYNCHRONIZING
from reconcilers.kinds import (
    ENDPOINT_CONFIG_KIND,
    HOSTING_DEPLOYMENT_KIND,
    MODEL_KIND,
    STATUS_FIELDS,
)
from reconcilers.kube import metadata
from reconcilers.naming import derived_name, uid_part
from reconcilers.ownership import (
    NOT_OWNED,
    NotOwned,
    check_owner,
    old_operators_names,
    verified,
)
from reconcilers.sagemaker_nouns import ENDPOINT, ENDPOINT_CONFIG, MODEL, Noun
from reconcilers.service_kind import Delta, Observation, ServiceContext, ServiceKind
from sagemaker_client.conversions.statuses import endpoint_status
from sagemaker_client.errors import SageMakerError

Endpoint = dict[str, Any]
IN_SERVICE = "InService"
# SageMaker is moving the endpoint: nothing can be changed, and it is polled until it stops.
BUSY = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
_REPLACE, _NEW_CONFIG, _CAPACITY = "replace", "configuration", "capacity"
# The old operator labelled its Model and EndpointConfig objects with their HostingDeployment:
# owner_HostingDeployment_namespace and owner_HostingDeployment_name.
OLD_OWNER_LABEL = "owner_HostingDeployment"


class HostingDeploymentKind(ServiceKind[Endpoint]):
    kind = HOSTING_DEPLOYMENT_KIND
    info = HOSTING_DEPLOYMENT
    noun = "endpoint"
    status_field = STATUS_FIELDS[HOSTING_DEPLOYMENT_KIND.kind]
    working_status = "ReconcilingEndpoint"

    def plan(self, ctx: ServiceContext) -> HostingPlan:
        hosting = ctx.derived.get("plan")
        if hosting is None:
            hosting = ctx.derived["plan"] = plan(ctx.spec, ctx.name, ctx.uid)
        assert isinstance(hosting, HostingPlan)
        return hosting

    def recorded(self, ctx: ServiceContext) -> bool:
        status = ctx.status
        return bool(status.get("endpointArn")) and (
            status.get("endpointName") == self.plan(ctx).endpoint_name
        )

    # -- read ------------------------------------------------------------------------------

    async def read(self, ctx: ServiceContext) -> Endpoint | None:
        found = await ENDPOINT.describe(ctx, self.plan(ctx).endpoint_name)
        if found is not None and not (self.recorded(ctx) and verified(ctx.status)):
            await self._check_owner(ctx, ENDPOINT, found)
        return found

    # -- create ----------------------------------------------------------------------------

    async def create(self, ctx: ServiceContext) -> Endpoint:
        hosting = self.plan(ctx)
        await self._ensure_models(ctx, hosting)
        await self._ensure_config(ctx, hosting, fresh_capacities=True)
        created = await ctx.call("CreateEndpoint", hosting.endpoint_request())
        await ctx.event(
            "Normal",
            "CreatingEndpoint",
            f"creating SageMaker endpoint {hosting.endpoint_name} "
            f"with configuration {hosting.config_name}",
        )
        # SageMaker starts every endpoint Creating; the next poll brings the details.
        return {
            "EndpointName": hosting.endpoint_name,
            "EndpointArn": created["EndpointArn"],
            "EndpointConfigName": hosting.config_name,
            "EndpointStatus": "Creating",
        }

    async def _ensure_models(self, ctx: ServiceContext, hosting: HostingPlan) -> None:
        for name, request in hosting.model_requests.items():
            try:
                await MODEL.create(ctx, request)
            except SageMakerError as error:
                if not error.is_already_exists:
                    raise
                found = await MODEL.describe(ctx, name)
                if found is not None:
                    await self._check_owner(ctx, MODEL, found)

    async def _ensure_config(
        self, ctx: ServiceContext, hosting: HostingPlan, *, fresh_capacities: bool
    ) -> None:
        """Create the configuration; one of that name may exist from an earlier pass. For a
        new endpoint it must hold the spec's counts and weights, which are not in its name."""
        try:
            await ENDPOINT_CONFIG.create(ctx, hosting.config_request)
            return
        except SageMakerError as error:
            if not error.is_already_exists:
                raise
        found = await ENDPOINT_CONFIG.describe(ctx, hosting.config_name)
        if found is None:
            return
        await self._check_owner(ctx, ENDPOINT_CONFIG, found)
        if fresh_capacities and hosting.config_differs_in_capacity_only(found):
            await ENDPOINT_CONFIG.delete(ctx, hosting.config_name)
            await ENDPOINT_CONFIG.create(ctx, hosting.config_request)

    # -- compare and update ----------------------------------------------------------------

    def delta(self, ctx: ServiceContext, state: Endpoint) -> Delta | None:
        hosting = self.plan(ctx)
        status, config = state["EndpointStatus"], state.get("EndpointConfigName")
        if status == "Deleting":
            return Delta(
                "re-create the endpoint",
                blocked="the endpoint is being deleted outside the operator; "
                "it is created again once it is gone",
            )
        if status == "Failed":
            if not ctx.pending:
                return None  # it stays Failed until the spec changes
            return Delta("replace the failed endpoint", details=_REPLACE, completes=False)
        deploying = (state.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        if _left_by_the_old_operator(ctx, state):
            return None  # it applied this spec; the next change rolls the endpoint forward
        if config != hosting.config_name and deploying != hosting.config_name:
            if not ctx.pending and ctx.status.get("endpointConfigName") != hosting.config_name:
                return None  # this spec's update was tried: it failed or was refused
            delta = Delta(f"deploy configuration {hosting.config_name}", details=_NEW_CONFIG)
        elif ctx.pending and hosting.capacity_changes(state.get("ProductionVariants", [])):
            delta = Delta("change weights and instance counts", details=_CAPACITY)
        else:
            return None
        if status != IN_SERVICE:
            return Delta(
                delta.description,
                blocked=f"the endpoint is {status}; the spec's change is applied once it is "
                f"{IN_SERVICE}",
            )
        return delta

    async def update(self, ctx: ServiceContext, state: Endpoint, delta: Delta) -> Endpoint:
        hosting = self.plan(ctx)
        if delta.details == _REPLACE:
            await ENDPOINT.delete(ctx, hosting.endpoint_name)
            await ctx.event(
                "Normal",
                "ReplacingEndpoint",
                f"deleting the Failed endpoint {hosting.endpoint_name} to create it anew",
            )
            return {**state, "EndpointStatus": "Deleting"}
        if delta.details == _CAPACITY:
            changes = hosting.capacity_changes(state.get("ProductionVariants", []))
            await ctx.call(
                "UpdateEndpointWeightsAndCapacities",
                {"EndpointName": hosting.endpoint_name, "DesiredWeightsAndCapacities": changes},
            )
            message = f"changing weights and instance counts of {hosting.endpoint_name}"
        else:
            if not ctx.pending:
                await ctx.event(
                    "Warning",
                    "DriftReverted",
                    f"endpoint {hosting.endpoint_name} was moved to configuration "
                    f"{state.get('EndpointConfigName')} outside the operator; moving it back",
                )
            await self._ensure_models(ctx, hosting)
            await self._ensure_config(ctx, hosting, fresh_capacities=False)
            try:
                await ctx.call("UpdateEndpoint", hosting.update_request())
            except SageMakerError as error:
                if error.terminal:
                    # Refused: what was made for it would otherwise wait for the next update.
                    await self._keep_only_serving(ctx, state, hosting)
                raise
            message = (
                f"updating endpoint {hosting.endpoint_name} to configuration {hosting.config_name}"
            )
        await ctx.event("Normal", "UpdatingEndpoint", message)
        return {**state, "EndpointStatus": "Updating"}

    # -- settle ----------------------------------------------------------------------------

    async def settle(self, ctx: ServiceContext, state: Endpoint) -> None:
        """Once a change has settled, delete what the endpoint no longer runs."""
        current = state.get("EndpointConfigName")
        if state["EndpointStatus"] != IN_SERVICE:
            return
        before = ctx.status
        if (
            before.get("endpointStatus") == IN_SERVICE
            and before.get("endpointConfigName") == current
        ):
            return  # settled on an earlier pass: nothing new to clean
        hosting = self.plan(ctx)
        if current != hosting.config_name and state.get("FailureReason"):
            await ctx.event(
                "Warning",
                "UpdateFailed",
                f"the update of endpoint {hosting.endpoint_name} to configuration "
                f"{hosting.config_name} failed and was rolled back: {state['FailureReason']}",
            )
        await self._keep_only_serving(ctx, state, hosting)

    async def _keep_only_serving(
        self, ctx: ServiceContext, state: Endpoint, hosting: HostingPlan
    ) -> None:
        """Delete every configuration and model this resource made but what ``state`` runs."""
        current = str(state.get("EndpointConfigName"))
        if current == hosting.config_name:
            keep_models = set(hosting.sagemaker_model_names)
        else:
            keep_models = models_of(await ENDPOINT_CONFIG.describe(ctx, current) or {})
        await self._delete_made(ctx, ENDPOINT_CONFIG, keep={current})
        await self._delete_made(ctx, MODEL, keep=keep_models)
        if current == hosting.config_name:
            await self._delete_old_operators_objects(ctx)

    async def _delete_old_operators_objects(self, ctx: ServiceContext) -> None:
        """The old operator kept an endpoint's models and configuration as Model and
        EndpointConfig objects labelled with the HostingDeployment. Once ours serve, they go;
        their own finalizers delete the SageMaker objects when no endpoint uses them."""
        namespace = str(metadata(ctx.obj)["namespace"])
        labels = {f"{OLD_OWNER_LABEL}_namespace": namespace, f"{OLD_OWNER_LABEL}_name": ctx.name}
        for kind in (ENDPOINT_CONFIG_KIND, MODEL_KIND):
            await ctx.kube.delete_labelled(kind, namespace, labels)

    async def _delete_made(self, ctx: ServiceContext, noun: Noun, keep: set[str]) -> None:
        """Delete every object of ``noun`` this resource made, except ``keep``."""
        uid = uid_part(ctx.uid)
        deleted = []
        for summary in await noun.listed(ctx, NameContains=uid):
            name = str(summary[noun.name_param])
            if name.endswith(uid) and name not in keep and await noun.delete(ctx, name):
                deleted.append(name)
        if deleted:
            await ctx.event(
                "Normal", "Deleted", f"deleted superseded {noun.name} {', '.join(deleted)}"
            )

    # -- status ----------------------------------------------------------------------------

    def observe(self, ctx: ServiceContext, state: Endpoint | None) -> Observation:
        if state is None:
            return Observation({self.status_field: SYNCHRONIZING}, False, "Synchronizing", "")
        hosting = self.plan(ctx)
        status: dict[str, Any] = endpoint_status(state, ctx.region).to_wire()
        config = state.get("EndpointConfigName")
        if config == hosting.config_name:
            status["modelNames"] = [{"name": n, "value": v} for n, v in hosting.model_names]
        elif ctx.status.get("modelNames"):
            status["modelNames"] = ctx.status["modelNames"]  # what the old configuration runs
        endpoint_state = str(state["EndpointStatus"])
        name = hosting.endpoint_name
        adopted = not str(config).endswith(uid_part(ctx.uid))  # named by the old operator
        if (
            endpoint_state == IN_SERVICE
            and adopted
            and ctx.status.get("endpointConfigName")
            in (
                config,
                None,
            )
        ):
            reason, message = (
                IN_SERVICE,
                f"endpoint {name} is InService on configuration {config}, which the old "
                "operator made; the next spec change moves it to this operator's",
            )
        elif endpoint_state == IN_SERVICE and config != hosting.config_name and not ctx.pending:
            why = state.get("FailureReason") or "SageMaker refused it"
            if ctx.status.get("additional"):
                status["additional"] = ctx.status["additional"]  # the refusal's own words
            reason, message = (
                "UpdateFailed",
                f"endpoint {name} serves configuration {config}; the update to "
                f"{hosting.config_name} did not happen: {why}. Fix the spec and apply it again",
            )
        elif endpoint_state == "Failed":
            reason = "Failed"
            message = f"endpoint {name} failed: {state.get('FailureReason') or 'no reason given'}"
        else:
            reason, message = endpoint_state, f"endpoint {name} is {endpoint_state}"
        return Observation(
            status,
            ready=endpoint_state == IN_SERVICE,
            reason=reason,
            message=message,
            busy=endpoint_state in BUSY,
            subject=name,
        )

    # -- delete ----------------------------------------------------------------------------

    async def delete(self, ctx: ServiceContext) -> bool:
        """The endpoint first; once it is gone, every configuration and model made for it."""
        hosting = self.plan(ctx)
        found = await ENDPOINT.describe(ctx, hosting.endpoint_name)
        if found is not None:
            try:
                if not self.recorded(ctx):
                    await self._check_owner(ctx, ENDPOINT, found)
                if found["EndpointStatus"] != "Deleting":
                    await ENDPOINT.delete(ctx, hosting.endpoint_name)
                    await ctx.event(
                        "Normal", "Deleting", f"deleting endpoint {hosting.endpoint_name}"
                    )
                return False
            except NotOwned as refusal:
                await ctx.event("Warning", NOT_OWNED, f"endpoint not deleted: {refusal}")
        await self._delete_made(ctx, ENDPOINT_CONFIG, keep=set())
        await self._delete_made(ctx, MODEL, keep=set())
        await self._delete_old_operators_objects(ctx)
        return True

    async def _check_owner(self, ctx: ServiceContext, noun: Noun, found: dict[str, Any]) -> None:
        name = str(found[noun.name_param])
        # The endpoint may be the old operator's for this resource (its name is derived the
        # same way, or the status names it); models and configurations of our names are ours
        # only by tag: the old operator named its own differently.
        recorded = old_operators_names(ctx.status, "endpointName")
        own_names = {derived_name(ctx.name, ctx.uid, 63), *recorded} if noun is ENDPOINT else set()
        await check_owner(
            ctx,
            str(found[noun.arn_key]),
            name,
            f"SageMaker {noun.name} named {name!r}",
            "to deploy under another name, set spec.endpointName to an unused name (or apply "
            "this resource under another metadata.name).",
            own_names=own_names,
        )


def _left_by_the_old_operator(ctx: ServiceContext, state: Endpoint) -> bool:
    """The old operator wrote the status (no observedGeneration) and the endpoint serves the
    configuration it recorded: it had applied the spec, under names of its own."""
    return (
        not verified(ctx.status)
        and state["EndpointStatus"] == IN_SERVICE
        and ctx.status.get("endpointConfigName") == state.get("EndpointConfigName")
    )


HOSTING_DEPLOYMENT_DESCRIPTOR = HostingDeploymentKind()
