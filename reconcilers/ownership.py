"""Which SageMaker objects are this resource's: the owner tag, adoption, and retention.

Everything the operator creates carries the owner tag with the resource's uid. An object
found under a name the operator derived is only taken over when that tag says it is this
resource's, or when the resource is annotated to adopt it; anything else is refused, so a
resource never mirrors, changes, stops or deletes someone else's object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


async def check_owner(ctx: SageMakerContext, arn: str, what: str, remedy: str) -> None:
    """Raise ``NotOwned`` unless the object at ``arn`` is this resource's or to be adopted.

    ``what`` names the object ("SageMaker model 'x'"); ``remedy`` says how to use another
    name instead.
    """
    if await owner_uid(ctx, arn) == ctx.uid:
        return
    if wants_adoption(ctx.obj):
        log.info("adopting", arn=arn, uid=ctx.uid)
        return
    raise NotOwned(
        f"a {what} already exists and was not created for this resource (its {OWNER_TAG} "
        f"tag is not {ctx.uid}). To take it over, annotate the resource "
        f"{ADOPT_ANNOTATION}=true; {remedy}"
    )


def refused_then_adopted(obj: KubeObject, status: Mapping[str, Any], condition_type: str) -> bool:
    """The resource was refused an object that is not its own, and has since been annotated
    to adopt it: the annotation alone (no spec change) must wake it up."""
    reasons = {c.get("type"): c.get("reason") for c in status.get("conditions") or []}
    return reasons.get(condition_type) == NOT_OWNED and wants_adoption(obj)
