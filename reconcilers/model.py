"""Model: CreateModel / DescribeModel / DeleteModel, a new model per spec generation."""

from __future__ import annotations

from apis.model import MODEL
from reconcilers.endpoint_users import endpoints_using_model
from reconcilers.immutable_object import ImmutableObject, ImmutableObjectKind
from reconcilers.kinds import MODEL_KIND
from reconcilers.sagemaker_nouns import MODEL as MODEL_NOUN
from sagemaker_client.conversions.requests import create_model
from sagemaker_client.conversions.statuses import model_status

MODEL_DESCRIPTOR = ImmutableObjectKind(
    ImmutableObject(
        kind=MODEL_KIND,
        info=MODEL,
        noun=MODEL_NOUN,
        label="model",
        name_field="modelName",
        status_name_field="sageMakerModelName",
        build_request=create_model,
        status_from_describe=model_status,
        users=endpoints_using_model,
    )
)
