"""Which SageMaker objects are this resource's: the owner tag, adoption, and retention.

Everything the operator creates carries the owner tag with the resource's uid. An object
found under a name the operator derived is only taken over when that tag says it is this
resource's, or when the resource is annotated to adopt it; anything else is refused, so a
resource never mirrors, changes, stops or deletes someone else's object.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import structlog

from controller.resources import KubeObject
from reconcilers.context import SageMakerContext
from reconcilers.kube import metadata

OWNER_TAG = "sagemaker.k8s.aws/owner-uid"
ADOPT_ANNOTATION = "sagemaker.aws.amazon.com/adopt"
RETAIN_ANNOTATION = "sagemaker.aws.amazon.com/retain"
NOT_OWNED = "NotOwned"  # the condition reason when an object of our name is not ours

log = structlog.get_logger("reconcilers.ownership")


class NotOwned(Exception):
    """A SageMaker object of our name exists and belongs to someone else."""


def annotated(obj: KubeObject, annotation: str) -> bool:
    annotations = metadata(obj).get("annotations") or {}
    return str(annotations.get(annotation, "")).lower() == "true"


def wants_adoption(obj: KubeObject) -> bool:
    return annotated(obj, ADOPT_ANNOTATION)


def retained(obj: KubeObject) -> bool:
    """The resource asks to leave its SageMaker objects in place when it is deleted."""
    return annotated(obj, RETAIN_ANNOTATION)


def with_owner_tag(tags: Sequence[Mapping[str, Any]] | None, uid: str) -> list[dict[str, Any]]:
    """The request's tags with the owner tag set to ``uid`` (a user's own value replaced)."""
    kept = [dict(tag) for tag in tags or () if tag.get("Key") != OWNER_TAG]
    return [*kept, {"Key": OWNER_TAG, "Value": uid}]


async def owner_uid(ctx: SageMakerContext, arn: str) -> str | None:
    tags = await ctx.call("ListTags", {"ResourceArn": arn})
    for tag in tags.get("Tags", []):
        if tag.get("Key") == OWNER_TAG:
            return str(tag.get("Value"))
    return None


def old_operators_names(status: Mapping[str, Any], *fields: str) -> set[str]:
    """The names the old operator recorded in ``status``. A status this operator wrote may
    name an object it refused, which must not become adoptable by being recorded."""
    if verified(status):
        return set()
    return {str(status[field]) for field in fields if status.get(field)}


def verified(status: Mapping[str, Any]) -> bool:
    """Whether this operator wrote the status: it checks ownership before it records a name.
    A status without observedGeneration is the old operator's (or none)."""
    return "observedGeneration" in status


async def check_owner(
    ctx: SageMakerContext,
    arn: str,
    name: str,
    what: str,
    remedy: str,
    own_names: Collection[str] = (),
) -> None:
    """Raise ``NotOwned`` unless the object at ``arn`` is this resource's; adopt it if it is
    ours without our tag.

    Ours: it carries this resource's owner tag; or it carries none and its ``name`` is one
    of ``own_names`` (the name this resource derives, which is the old operator's, or the
    name its status records), so the old operator made it for this very resource; or the
    resource is annotated to adopt it. An adopted object is tagged, with an ``Adopted``
    Event. ``what`` names the object ("SageMaker model 'x'"); ``remedy`` says how to use
    another name instead.
    """
    owner = await owner_uid(ctx, arn)
    if owner == ctx.uid:
        return
    if (owner is None and name in own_names) or wants_adoption(ctx.obj):
        await ctx.call("AddTags", {"ResourceArn": arn, "Tags": with_owner_tag((), ctx.uid)})
        log.info("adopted", arn=arn, uid=ctx.uid, previous_owner=owner)
        await ctx.event("Normal", "Adopted", f"adopted {what} and tagged it {OWNER_TAG}={ctx.uid}")
        return
    raise NotOwned(
        f"a {what} already exists and was not created for this resource (its {OWNER_TAG} "
        f"tag is {owner!r}, not {ctx.uid!r}). To take it over, annotate the resource "
        f"{ADOPT_ANNOTATION}=true; {remedy}"
    )


def refused_then_adopted(obj: KubeObject, status: Mapping[str, Any], condition_type: str) -> bool:
    """The resource was refused an object that is not its own, and has since been annotated
    to adopt it: the annotation alone (no spec change) must wake it up."""
    reasons = {c.get("type"): c.get("reason") for c in status.get("conditions") or []}
    return reasons.get(condition_type) == NOT_OWNED and wants_adoption(obj)
