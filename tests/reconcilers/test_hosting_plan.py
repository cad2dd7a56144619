"""What a HostingDeployment spec asks SageMaker for: names follow content (unit tests)."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from apis.hosting_deployment import HostingDeploymentSpec
from reconcilers.hosting_plan import HostingPlan, plan
from reconcilers.naming import versioned_name
from tests.reconcilers.harness import SAMPLES

UID = "def0e83e-0d5f-11ea-aa45-0a3507123456"
UID_PART = UID.replace("-", "")


def spec(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SAMPLES / "hostingdeployment.yaml").read_text())
    result: dict[str, Any] = copy.deepcopy(document["spec"])
    result.update(changes)
    return result


def planned(raw: dict[str, Any], name: str = "host-xgboost") -> HostingPlan:
    return plan(HostingDeploymentSpec.model_validate(raw), name, UID)


def variant(**changes: Any) -> list[dict[str, Any]]:
    return [{**spec()["productionVariants"][0], **changes}]


def test_names_carry_a_content_hash_and_the_whole_uid() -> None:
    hosting = planned(spec())
    assert hosting.endpoint_name == f"host-xgboost-{UID_PART}"
    [(spec_name, model)] = hosting.model_names
    assert spec_name == "xgboost-model"
    for name, base in ((model, "xgboost-model"), (hosting.config_name, "host-xgboost")):
        prefix, digest, uid = name[: len(base)], name[len(base) + 1 : -33], name[-32:]
        assert (prefix, uid) == (base, UID_PART)
        assert len(digest) == 8
        assert int(digest, 16) >= 0
    assert hosting.config_request["ProductionVariants"][0]["ModelName"] == model
    assert {"Key": "sagemaker.k8s.aws/owner-uid", "Value": UID} in hosting.config_request["Tags"]


def test_a_fixed_endpoint_name_is_used_as_given() -> None:
    assert planned(spec(endpointName="my-endpoint")).endpoint_name == "my-endpoint"


def test_a_new_image_makes_a_new_model_and_config() -> None:
    before = planned(spec())
    containers = [dict(spec()["containers"][0], image="repo/xgboost:2")]
    after = planned(spec(containers=containers))
    assert after.sagemaker_model_names != before.sagemaker_model_names
    assert after.config_name != before.config_name


def test_weights_counts_and_tags_keep_every_name() -> None:
    before = planned(spec())
    after = planned(
        spec(
            productionVariants=variant(initialInstanceCount=3, initialVariantWeight=0.5),
            tags=[{"key": "team", "value": "ml"}],
        )
    )
    assert after.sagemaker_model_names == before.sagemaker_model_names
    assert after.config_name == before.config_name
    assert after.capacities == {"all-traffic": {"DesiredWeight": 0.5, "DesiredInstanceCount": 3}}
    assert after.config_differs_in_capacity_only(before.config_request)


def test_capacity_changes_only_what_differs_and_what_is_not_retained() -> None:
    hosting = planned(spec(productionVariants=variant(initialInstanceCount=3)))
    live = [{"VariantName": "all-traffic", "DesiredWeight": 1.0, "DesiredInstanceCount": 1}]
    assert hosting.capacity_changes(live) == [
        {"VariantName": "all-traffic", "DesiredInstanceCount": 3}
    ]
    assert hosting.capacity_changes([dict(live[0], DesiredInstanceCount=3)]) == []
    retaining = planned(
        spec(
            productionVariants=variant(initialInstanceCount=3, initialVariantWeight=2),
            retainAllVariantProperties=True,
            excludeRetainedVariantProperties=[{"variantPropertyType": "DesiredWeight"}],
        )
    )
    assert retaining.pushed() == {"DesiredWeight"}
    assert retaining.capacity_changes(live) == [
        {"VariantName": "all-traffic", "DesiredWeight": 2.0}
    ]


def test_update_request_carries_the_retention_choices() -> None:
    request = planned(
        spec(
            retainAllVariantProperties=True,
            excludeRetainedVariantProperties=[{"variantPropertyType": "DesiredWeight"}],
        )
    ).update_request()
    assert request["RetainAllVariantProperties"] is True
    assert request["ExcludeRetainedVariantProperties"] == [{"VariantPropertyType": "DesiredWeight"}]


def test_versioned_names_cut_the_name_part_only() -> None:
    long = versioned_name("a" * 80, "12345678", UID)
    assert len(long) == 63
    assert long.endswith(f"-12345678-{UID_PART}")
    assert versioned_name("web.v2", "2", UID) == f"web-v2-2-{UID_PART}"
