"""Models and endpoint configurations: immutable, so Create, Describe, Delete, List."""

from __future__ import annotations

from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.listing import filter_records, list_response, sort_records
from sagemaker_emulator.service_models import list_member_fields, output_members, project
from sagemaker_emulator.state import RegionState, make_arn

MODEL = "model"
ENDPOINT_CONFIG = "endpoint-config"


def model_arn(region: RegionState, name: str) -> str:
    return make_arn(region.name, MODEL, name)


def config_arn(region: RegionState, name: str) -> str:
    return make_arn(region.name, ENDPOINT_CONFIG, name)


def find_model(region: RegionState, name: str) -> dict[str, Any]:
    model = region.models.get(name)
    if model is None:
        raise validation_error(f'Could not find model "{model_arn(region, name)}".')
    return model


def find_config(region: RegionState, name: str) -> dict[str, Any]:
    config = region.endpoint_configs.get(name)
    if config is None:
        raise validation_error(
            f'Could not find endpoint configuration "{config_arn(region, name)}".'
        )
    return config


def create_model(ctx: RequestContext, params: Params) -> Response:
    name = params["ModelName"]
    arn = model_arn(ctx.region, name)
    if name in ctx.region.models:
        raise validation_error(f'Cannot create already existing model "{arn}".')
    ctx.region.models[name] = {**params, "ModelArn": arn, "CreationTime": ctx.now}
    ctx.region.tags[arn] = list(params.get("Tags", []))
    return {"ModelArn": arn}


def describe_model(ctx: RequestContext, params: Params) -> Response:
    model = find_model(ctx.region, params["ModelName"])
    return project(model, output_members("sagemaker", "DescribeModel"))


def delete_model(ctx: RequestContext, params: Params) -> Response:
    model = find_model(ctx.region, params["ModelName"])
    del ctx.region.models[params["ModelName"]]
    ctx.region.tags.pop(model["ModelArn"], None)
    return {}


def list_models(ctx: RequestContext, params: Params) -> Response:
    records = filter_records(list(ctx.region.models.values()), params, "ModelName", None)
    sort_keys = {"Name": "ModelName", "CreationTime": "CreationTime"}
    records = sort_records(records, params, sort_keys, default_order="Descending")
    fields = list_member_fields("sagemaker", "ListModels", "Models")
    return list_response(records, params, "Models", fields)


def create_endpoint_config(ctx: RequestContext, params: Params) -> Response:
    name = params["EndpointConfigName"]
    arn = config_arn(ctx.region, name)
    if name in ctx.region.endpoint_configs:
        raise validation_error(f'Cannot create already existing endpoint configuration "{arn}".')
    for variant in params["ProductionVariants"]:
        if "ModelName" in variant:
            find_model(ctx.region, variant["ModelName"])
    ctx.region.endpoint_configs[name] = {
        **params,
        "EndpointConfigArn": arn,
        "CreationTime": ctx.now,
    }
    ctx.region.tags[arn] = list(params.get("Tags", []))
    return {"EndpointConfigArn": arn}


def describe_endpoint_config(ctx: RequestContext, params: Params) -> Response:
    config = find_config(ctx.region, params["EndpointConfigName"])
    return project(config, output_members("sagemaker", "DescribeEndpointConfig"))


def delete_endpoint_config(ctx: RequestContext, params: Params) -> Response:
    # SageMaker allows deleting a configuration an endpoint still uses.
    config = find_config(ctx.region, params["EndpointConfigName"])
    del ctx.region.endpoint_configs[params["EndpointConfigName"]]
    ctx.region.tags.pop(config["EndpointConfigArn"], None)
    return {}


def list_endpoint_configs(ctx: RequestContext, params: Params) -> Response:
    records = list(ctx.region.endpoint_configs.values())
    records = filter_records(records, params, "EndpointConfigName", None)
    sort_keys = {"Name": "EndpointConfigName", "CreationTime": "CreationTime"}
    records = sort_records(records, params, sort_keys, default_order="Descending")
    list_field = "EndpointConfigs"
    fields = list_member_fields("sagemaker", "ListEndpointConfigs", list_field)
    return list_response(records, params, list_field, fields)


OPERATIONS: dict[str, Handler] = {
    "CreateModel": create_model,
    "DescribeModel": describe_model,
    "DeleteModel": delete_model,
    "ListModels": list_models,
    "CreateEndpointConfig": create_endpoint_config,
    "DescribeEndpointConfig": describe_endpoint_config,
    "DeleteEndpointConfig": delete_endpoint_config,
    "ListEndpointConfigs": list_endpoint_configs,
}
