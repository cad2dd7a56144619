"""AddTags, ListTags and DeleteTags on every SageMaker resource, by ARN."""

from __future__ import annotations

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.listing import paginate


def _tags_of(ctx: RequestContext, arn: str) -> list[dict[str, str]]:
    # Every live resource registers its ARN here on creation and leaves on deletion.
    tags = ctx.region.tags.get(arn)
    if tags is None:
        raise validation_error("Requested resource not found.")
    return tags


def add_tags(ctx: RequestContext, params: Params) -> Response:
    tags = _tags_of(ctx, params["ResourceArn"])
    new = {tag["Key"]: tag.get("Value", "") for tag in params["Tags"]}
    kept = [tag for tag in tags if tag["Key"] not in new]
    tags[:] = kept + [{"Key": key, "Value": value} for key, value in new.items()]
    return {"Tags": [dict(tag) for tag in params["Tags"]]}


def list_tags(ctx: RequestContext, params: Params) -> Response:
    tags = _tags_of(ctx, params["ResourceArn"])
    page, token = paginate(tags, params, default_max=50)
    response: Response = {"Tags": [dict(tag) for tag in page]}
    if token:
        response["NextToken"] = token
    return response


def delete_tags(ctx: RequestContext, params: Params) -> Response:
    tags = _tags_of(ctx, params["ResourceArn"])
    doomed = set(params["TagKeys"])
    tags[:] = [tag for tag in tags if tag["Key"] not in doomed]
    return {}


OPERATIONS: dict[str, Handler] = {
    "AddTags": add_tags,
    "ListTags": list_tags,
    "DeleteTags": delete_tags,
}
