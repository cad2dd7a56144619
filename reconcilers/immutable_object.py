"""A SageMaker object that cannot be updated (a model, an endpoint configuration) as a kind.

Each spec generation has its own SageMaker name: ``<metadata.name>-<uid>`` for the first,
``<metadata.name>-<generation>-<uid>`` after it. A spec change therefore creates a new
object, and the superseded ones (found by the uid every name carries) are deleted once no
live endpoint runs them; until then the status and an Event say which endpoint holds them.
Deleting the resource deletes every object it made, on the same condition.

A name the spec fixes (``modelName``, ``endpointConfigName``) cannot carry a version: a
spec change then replaces the object under that name, once no live endpoint runs it.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from apis.common import KindInfo
from controller.resources import Kind
from reconcilers.context import SageMakerContext
from reconcilers.job_kind import SYNCHRONIZING
from reconcilers.kinds import STATUS_FIELDS
from reconcilers.naming import derived_name, uid_part, versioned_name
from reconcilers.ownership import (
    check_owner,
    old_operators_names,
    owner_uid,
    verified,
    with_owner_tag,
)
from reconcilers.sagemaker_nouns import Noun
from reconcilers.service_kind import Delta, NotYet, Observation, ServiceContext, ServiceKind

Described = dict[str, Any]
# The live endpoints using a named object created at a time.
UsersFinder = Callable[[SageMakerContext, str, datetime.datetime], Awaitable[list[str]]]


@dataclass(frozen=True)
class ImmutableObject:
    """What differs between the Model and EndpointConfig kinds."""

    kind: Kind
    info: KindInfo
    noun: Noun
    label: str  # for messages: "model", "endpoint configuration"
    name_field: str  # the spec field where a user may fix the name: modelName, ...
    status_name_field: str  # sageMakerModelName, ...
    build_request: Callable[[Any, str], dict[str, Any]]
    status_from_describe: Callable[[Described], BaseModel]
    users: UsersFinder


class ImmutableObjectKind(ServiceKind[Described]):
    def __init__(self, described: ImmutableObject) -> None:
        self.described = described
        self.status_field = STATUS_FIELDS[described.kind.kind]
        self.kind = described.kind
        self.info = described.info
        self.noun = described.label

    # -- names -----------------------------------------------------------------------------

    def _fixed_name(self, ctx: SageMakerContext) -> str | None:
        fixed = (ctx.obj.get("spec") or {}).get(self.described.name_field)
        return str(fixed) if fixed else None

    def desired_name(self, ctx: SageMakerContext) -> str:
        fixed = self._fixed_name(ctx)
        if fixed:
            return fixed
        if ctx.generation in (None, 1):
            return derived_name(ctx.name, ctx.uid, 63)
        return versioned_name(ctx.name, str(ctx.generation), ctx.uid)

    def _recorded_name(self, ctx: SageMakerContext) -> str | None:
        name = ctx.status.get(self.described.status_name_field)
        return str(name) if name else None

    def recorded(self, ctx: ServiceContext) -> bool:
        return self._recorded_name(ctx) == self.desired_name(ctx)

    # -- lifecycle -------------------------------------------------------------------------

    async def read(self, ctx: ServiceContext) -> Described | None:
        name = self.desired_name(ctx)
        found = await self.described.noun.describe(ctx, name)
        if found is not None and not (self.recorded(ctx) and verified(ctx.status)):
            await self._check_owner(ctx, found, name)
        return found

    async def create(self, ctx: ServiceContext) -> Described:
        noun, name = self.described.noun, self.desired_name(ctx)
        request = self.described.build_request(ctx.spec, name)
        request["Tags"] = with_owner_tag(request.get("Tags"), ctx.uid)
        await noun.create(ctx, request)
        await ctx.event("Normal", "Created", f"created SageMaker {self.noun} {name}")
        found = await noun.describe(ctx, name)
        if found is None:
            raise NotYet("Creating", f"SageMaker does not show {self.noun} {name} yet")
        return found

    def delta(self, ctx: ServiceContext, state: Described) -> Delta | None:
        # Under a fixed name, a spec change since the object was recorded means a new one.
        if self._fixed_name(ctx) and ctx.pending and self.recorded(ctx):
            return Delta(f"replace {self.noun} {self.desired_name(ctx)}")
        return None

    async def update(self, ctx: ServiceContext, state: Described, delta: Delta) -> Described:
        name = self.desired_name(ctx)
        users = await self._delete_unused(ctx, name, state["CreationTime"])
        if users:
            raise NotYet(
                "InUse",
                f"not replacing SageMaker {self.noun} {name} while endpoint "
                f"{', '.join(users)} uses it; the operator tries again until nothing does",
                backoff=True,
            )
        return await self.create(ctx)

    async def settle(self, ctx: ServiceContext, state: Described) -> None:
        if not ctx.pending and self._recorded_name(ctx) == self.desired_name(ctx):
            return  # nothing was superseded since the last pass that settled
        await self._delete_all(ctx, keep=self.desired_name(ctx))

    def observe(self, ctx: ServiceContext, state: Described | None) -> Observation:
        if state is None:
            return Observation({self.status_field: SYNCHRONIZING}, False, "Synchronizing", "")
        name = str(state[self.described.noun.name_param])
        return Observation(
            self.described.status_from_describe(state).model_dump(
                mode="json", by_alias=True, exclude_none=True
            ),
            ready=True,
            reason="Created",
            message=f"SageMaker {self.noun} {name} exists",
            subject=name,
        )

    async def delete(self, ctx: ServiceContext) -> bool:
        await self._delete_all(ctx, keep=None)
        return True

    # -- what the resource made ------------------------------------------------------------

    async def _delete_all(self, ctx: ServiceContext, keep: str | None) -> None:
        """Delete every object this resource made but ``keep``; objects in use stay."""
        noun, uid, recorded = self.described.noun, uid_part(ctx.uid), self._recorded_name(ctx)
        made: dict[str, Any] = {}  # name -> creation time
        for summary in await noun.listed(ctx, NameContains=uid):
            name = str(summary[noun.name_param])
            if name == keep or not name.endswith(uid):
                continue
            if name != recorded and await owner_uid(ctx, str(summary[noun.arn_key])) != ctx.uid:
                continue  # carries our uid in its name, but someone else made it
            made[name] = summary["CreationTime"]
        if recorded and recorded not in (keep, *made):  # a fixed name does not carry the uid
            found = await noun.describe(ctx, recorded)
            if found is not None:
                made[recorded] = found["CreationTime"]
        held = {
            name: users
            for name, created in made.items()
            if (users := await self._delete_unused(ctx, name, created))
        }
        if held:
            shown = "; ".join(f"{name} (endpoint {', '.join(eps)})" for name, eps in held.items())
            raise NotYet(
                "InUse",
                f"not deleting SageMaker {self.noun} {shown} while an endpoint uses it; "
                "the operator tries again until nothing does",
                backoff=True,
            )

    async def _delete_unused(self, ctx: ServiceContext, name: str, created: Any) -> list[str]:
        """Delete ``name`` unless a live endpoint runs it; the endpoints that do."""
        users = await self.described.users(ctx, name, created)
        if not users and await self.described.noun.delete(ctx, name):
            await ctx.event("Normal", "Deleted", f"deleted SageMaker {self.noun} {name}")
        return users

    async def _check_owner(self, ctx: ServiceContext, found: Described, name: str) -> None:
        recorded = old_operators_names(ctx.status, self.described.status_name_field)
        await check_owner(
            ctx,
            str(found[self.described.noun.arn_key]),
            name,
            f"SageMaker {self.noun} named {name!r}",
            f"to make a new {self.noun}, apply this resource under another metadata.name.",
            # The old operator's name for it (as ours for generation 1), or the recorded one.
            own_names={derived_name(ctx.name, ctx.uid, 63), *recorded},
        )
