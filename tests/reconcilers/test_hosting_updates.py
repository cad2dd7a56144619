"""HostingDeployment changes: new models, new weights, waits, rollbacks, drift."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.reconcilers.hosting import (
    condition,
    endpoint,
    endpoint_on,
    make_model,
    referenced,
    sagemaker_names,
    uid_of,
)
from tests.reconcilers.test_hosting_lifecycle import patch_spec

KIND = "HostingDeployment"
IMAGE = "123456789012.dkr.ecr.us-east-2.amazonaws.com/xgboost:2"


def settled(generation: int, config: str | None = None) -> Callable[[dict[str, Any] | None], bool]:
    """InService, with ``generation`` acted on (and on another config than ``config``)."""

    def check(obj: dict[str, Any] | None) -> bool:
        status = (obj or {}).get("status") or {}
        return (
            status.get("endpointStatus") == "InService"
            and status.get("observedGeneration") == generation
            and (config is None or status.get("endpointConfigName") != config)
        )

    return check


def new_image(hosting: dict[str, Any], image: str) -> dict[str, Any]:
    """The sample's containers (spec.containers, referenced by hostname) with another image."""
    return {"containers": [dict(hosting["spec"]["containers"][0], image=image)]}


async def test_update_to_a_new_model_replaces_config_and_cleans_up(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample(KIND, "swap"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url):
        first = await kube.wait_for_status(KIND, "swap", "InService")
        old_config = first["status"]["endpointConfigName"]
        old_model = first["status"]["modelNames"][0]["value"]
        await patch_spec(kube, KIND, "swap", new_image(first, IMAGE))
        updated = await kube.wait_for(KIND, "swap", settled(2, old_config), what="the update")
    assert updated is not None
    assert updated["status"]["modelNames"][0]["value"] != old_model
    assert emulator.control.requests.count(operation="UpdateEndpoint") == 1
    assert emulator.control.requests.count(operation="UpdateEndpointWeightsAndCapacities") == 0
    # Superseded models and configs are gone: SageMaker holds exactly what status names.
    assert await sagemaker_names(emulator, uid) == referenced(updated)
    described = await endpoint(emulator, updated["status"]["endpointName"])
    assert described["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    reasons = [event.reason for event in await kube.events("swap")]
    assert "UpdatingEndpoint" in reasons
    assert "Deleted" in reasons


async def test_new_weights_and_counts_change_in_place(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample(KIND, "weights"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url):
        first = await kube.wait_for_status(KIND, "weights", "InService")
        variant = dict(first["spec"]["productionVariants"][0])
        variant.update(initialInstanceCount=3, initialVariantWeight=0.5)
        await patch_spec(kube, KIND, "weights", {"productionVariants": [variant]})

        def scaled(obj: dict[str, Any] | None) -> bool:
            variants = ((obj or {}).get("status") or {}).get("productionVariants") or [{}]
            return settled(2)(obj) and bool(variants[0].get("currentInstanceCount") == 3)

        updated = await kube.wait_for(KIND, "weights", scaled, what="the new capacity")
    assert updated is not None
    [status_variant] = updated["status"]["productionVariants"]
    assert status_variant["desiredWeight"] == 0.5
    assert updated["status"]["endpointConfigName"] == first["status"]["endpointConfigName"]
    assert emulator.control.requests.count(operation="UpdateEndpointWeightsAndCapacities") == 1
    assert emulator.control.requests.count(operation="UpdateEndpoint") == 0
    assert emulator.control.requests.count(operation="CreateEndpointConfig") == 1
    assert await sagemaker_names(emulator, uid) == referenced(updated)


async def test_a_change_while_creating_waits_for_in_service(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.set_timings(endpoint_creating=600)  # four seconds at the test's scale
    await kube.create(sample(KIND, "patient"))
    async with running_operator(kube, emulator.url) as operator:
        creating = await kube.wait_for_status(KIND, "patient", "Creating")
        await patch_spec(kube, KIND, "patient", new_image(creating, IMAGE))
        await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 4)
        waiting = await kube.get(KIND, "patient")
        assert waiting is not None
        assert waiting["status"]["endpointStatus"] == "Creating"
        assert waiting["status"]["observedGeneration"] == 1
        assert "once it is InService" in condition(waiting, "Ready")["message"]
        assert emulator.control.requests.count(operation="UpdateEndpoint") == 0
        config = creating["status"]["endpointConfigName"]
        updated = await kube.wait_for(KIND, "patient", settled(2, config), seconds=60)
    assert updated is not None
    assert emulator.control.requests.count(operation="UpdateEndpoint") == 1


async def test_failed_update_rolls_back_and_a_fixed_spec_goes_at_once(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample(KIND, "rocky"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url) as operator:
        first = await kube.wait_for_status(KIND, "rocky", "InService")
        serving = first["status"]["endpointConfigName"]
        # Every new configuration of this resource fails to deploy, so SageMaker rolls back.
        emulator.control.fail(
            f"rocky-*-{uid}", reason="The primary container failed ping health check.",
            kind="endpoint-config",
        )  # fmt: skip

        def rolled_back(obj: dict[str, Any] | None) -> bool:
            ready = condition(obj, "Ready") if (obj or {}).get("status") else {}
            return settled(2)(obj) and ready.get("reason") == "UpdateFailed"

        await patch_spec(kube, KIND, "rocky", new_image(first, IMAGE))
        failed = await kube.wait_for(KIND, "rocky", rolled_back, what="the rollback")
        assert failed is not None
        status = failed["status"]
        assert status["endpointConfigName"] == serving  # still serving the old configuration
        assert "ping health check" in status["failureReason"]
        ready = condition(failed, "Ready")
        assert ready["status"] == "True"
        assert "ping health check" in ready["message"]
        warnings = [e for e in await kube.events("rocky") if e.type == "Warning"]
        assert any(e.reason == "UpdateFailed" for e in warnings)
        # What was made for the failed update is gone; the same spec is not tried again.
        assert await sagemaker_names(emulator, uid) == referenced(failed)
        await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 10)
        assert emulator.control.requests.count(operation="UpdateEndpoint") == 1

        emulator.control.clear_failures()
        fixed_at = time.monotonic()
        await patch_spec(kube, KIND, "rocky", new_image(first, IMAGE + "-fixed"))
        async with asyncio.timeout(10):  # at once, not after a long backoff
            while emulator.control.requests.count(operation="UpdateEndpoint") < 2:
                await asyncio.sleep(0.05)
        assert time.monotonic() - fixed_at < 10
        fixed = await kube.wait_for(KIND, "rocky", settled(3, serving), what="the fixed update")
    assert fixed is not None
    assert condition(fixed, "Ready")["reason"] == "InService"
    assert "failureReason" not in fixed["status"]
    assert await sagemaker_names(emulator, uid) == referenced(fixed)


async def test_endpoint_deleted_behind_the_operators_back_is_recreated(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample(KIND, "phoenix"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url, drift_check_interval_seconds=0.5):
        first = await kube.wait_for_status(KIND, "phoenix", "InService")
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.delete_endpoint(EndpointName=first["status"]["endpointName"])
        async with asyncio.timeout(30):
            while emulator.control.requests.count(operation="CreateEndpoint") < 2:
                await asyncio.sleep(0.05)
        again = await kube.wait_for_status(KIND, "phoenix", "InService")
    assert again["status"]["endpointArn"] == first["status"]["endpointArn"]
    assert await sagemaker_names(emulator, uid) == referenced(again)
    assert "Recreating" in [event.reason for event in await kube.events("phoenix")]


async def test_configuration_changed_outside_is_moved_back(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample(KIND, "drifty"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url, drift_check_interval_seconds=0.5):
        first = await kube.wait_for_status(KIND, "drifty", "InService")
        name, config = first["status"]["endpointName"], first["status"]["endpointConfigName"]
        model = first["status"]["modelNames"][0]["value"]
        await endpoint_on(emulator, model, "hand-made", variant="all-traffic", count=2)
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.update_endpoint(EndpointName=name, EndpointConfigName="hand-made")
        async with asyncio.timeout(30):
            while emulator.control.requests.count(operation="UpdateEndpoint") < 2:
                await asyncio.sleep(0.05)

        def back(obj: dict[str, Any] | None) -> bool:
            status = (obj or {}).get("status") or {}
            return status.get("endpointStatus") == "InService" and (
                status.get("endpointConfigName") == config
            )

        restored = await kube.wait_for(KIND, "drifty", back, what="the configuration restored")
    assert restored is not None
    assert "DriftReverted" in [event.reason for event in await kube.events("drifty")]
    assert await sagemaker_names(emulator, uid) == referenced(restored)


async def test_instance_counts_set_by_autoscaling_are_left_alone(
    kube: Kube, emulator: RunningEmulator
) -> None:
    await kube.create(sample(KIND, "elastic"))
    async with running_operator(kube, emulator.url, drift_check_interval_seconds=0.3):
        first = await kube.wait_for_status(KIND, "elastic", "InService")
        name = first["status"]["endpointName"]
        async with emulator.client("sagemaker") as sagemaker:  # as Application Auto Scaling does
            await sagemaker.update_endpoint_weights_and_capacities(
                EndpointName=name,
                DesiredWeightsAndCapacities=[
                    {"VariantName": "all-traffic", "DesiredInstanceCount": 4}
                ],
            )

        def scaled(obj: dict[str, Any] | None) -> bool:
            variants = ((obj or {}).get("status") or {}).get("productionVariants") or [{}]
            return bool(variants[0].get("currentInstanceCount") == 4)

        await kube.wait_for(KIND, "elastic", scaled, what="the scaled variant mirrored")
        await asyncio.sleep(0.3 * 10)
    assert emulator.control.requests.count(operation="UpdateEndpointWeightsAndCapacities") == 1
    assert (await endpoint(emulator, name))["ProductionVariants"][0]["DesiredInstanceCount"] == 4


async def test_retained_variant_properties_survive_an_update(
    kube: Kube, emulator: RunningEmulator
) -> None:
    body = sample(KIND, "retainer")
    body["spec"].update(
        endpointName=f"retained-{kube.namespace}",
        retainAllVariantProperties=True,
        excludeRetainedVariantProperties=[{"variantPropertyType": "DesiredWeight"}],
        tags=[{"key": "name", "value": "sagemaker-k8s-operator tag test"}],
    )
    await kube.create(body)
    async with running_operator(kube, emulator.url):
        first = await kube.wait_for_status(KIND, "retainer", "InService")
        assert first["status"]["endpointName"] == f"retained-{kube.namespace}"
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.update_endpoint_weights_and_capacities(
                EndpointName=f"retained-{kube.namespace}",
                DesiredWeightsAndCapacities=[
                    {"VariantName": "all-traffic", "DesiredInstanceCount": 3}
                ],
            )
        variant = dict(first["spec"]["productionVariants"][0], initialVariantWeight=2)
        changes = {**new_image(first, IMAGE), "productionVariants": [variant]}
        await patch_spec(kube, KIND, "retainer", changes)
        config = first["status"]["endpointConfigName"]
        updated = await kube.wait_for(KIND, "retainer", settled(2, config), seconds=60)
    assert updated is not None
    [variant_status] = updated["status"]["productionVariants"]
    # The instance count autoscaling set is kept; the weight, excluded from retention, is not.
    assert variant_status["currentInstanceCount"] == 3
    assert variant_status["desiredWeight"] == 2.0
    assert variant_status["deployedImages"][0]["specifiedImage"] == IMAGE


async def test_a_failed_read_never_fails_the_endpoint(
    kube: Kube, emulator: RunningEmulator
) -> None:
    await kube.create(sample(KIND, "denied"))
    async with running_operator(kube, emulator.url, drift_check_interval_seconds=0.3):
        first = await kube.wait_for_status(KIND, "denied", "InService")
        # Two refusals in a row: a credentials problem, retried after 5 s, then 10 s.
        emulator.control.inject("access_denied", operation="DescribeEndpoint", times=2)

        def unsynced(obj: dict[str, Any] | None) -> bool:
            synced = condition(obj, "Synced")
            return bool(synced["status"] == "False" and synced["reason"] == "AccessDeniedException")

        denied = await kube.wait_for(KIND, "denied", unsynced, what="Synced=False")
        assert denied is not None
        assert denied["status"]["endpointStatus"] == "InService"
        assert denied["status"]["observedGeneration"] == first["status"]["observedGeneration"]
        # Retried with backoff: once IAM lets it read again, it is back in sync.
        back = await kube.wait_for(
            KIND, "denied", lambda o: condition(o, "Synced")["status"] == "True", seconds=60
        )
    assert back is not None
    assert back["status"]["endpointStatus"] == "InService"
    assert [e.reason for e in await kube.events("denied") if e.type == "Warning"] == [
        "AccessDeniedException"
    ]


async def test_a_refused_endpoint_is_adopted_once_annotated(
    kube: Kube, emulator: RunningEmulator
) -> None:
    theirs = f"theirs-{kube.namespace}"
    await make_model(emulator, f"{theirs}-model")
    await endpoint_on(emulator, f"{theirs}-model", f"{theirs}-config", theirs, "all-traffic")
    body = sample(KIND, "taker")
    body["spec"]["endpointName"] = theirs
    await kube.create(body)
    async with running_operator(kube, emulator.url) as operator:
        refused = await kube.wait_for_status(KIND, "taker", "Failed")
        assert "sagemaker.aws.amazon.com/adopt=true" in refused["status"]["additional"]
        calls = emulator.control.requests.total
        await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 5)
        assert emulator.control.requests.total == calls  # refused: nothing more is asked
        await kube.objects.patch_namespaced_custom_object(
            "sagemaker.aws.amazon.com", "v1", kube.namespace, "hostingdeployments", "taker",
            {"metadata": {"annotations": {"sagemaker.aws.amazon.com/adopt": "true"}}},
            _content_type="application/merge-patch+json",
        )  # fmt: skip

        def taken_over(obj: dict[str, Any] | None) -> bool:
            status = (obj or {}).get("status") or {}
            return settled(1)(obj) and status.get("endpointConfigName") != f"{theirs}-config"

        adopted = await kube.wait_for(KIND, "taker", taken_over, seconds=60, what="adoption")
    assert adopted is not None
    assert adopted["status"]["endpointName"] == theirs
    assert emulator.control.requests.count(operation="CreateEndpoint") == 1  # theirs, only
    assert emulator.control.requests.count(operation="UpdateEndpoint") == 1


async def test_a_failed_endpoint_stays_until_the_spec_changes(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample(KIND, "broken"))
    uid = uid_of(created)
    emulator.control.fail(f"broken-{uid}", reason="Ping health check failed.", kind="endpoint")
    async with running_operator(kube, emulator.url) as operator:
        failed = await kube.wait_for_status(KIND, "broken", "Failed")
        assert failed["status"]["failureReason"] == "Ping health check failed."
        assert condition(failed, "Ready")["status"] == "False"
        await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 5)
        assert emulator.control.requests.count(operation="DeleteEndpoint") == 0
        emulator.control.clear_failures()
        await patch_spec(kube, KIND, "broken", new_image(failed, IMAGE))
        replaced = await kube.wait_for(KIND, "broken", settled(2), seconds=60)
    assert replaced is not None
    assert emulator.control.requests.count(operation="DeleteEndpoint") == 1
    assert emulator.control.requests.count(operation="CreateEndpoint") == 2
    reasons = [event.reason for event in await kube.events("broken")]
    assert "ReplacingEndpoint" in reasons
    assert "Recreating" not in reasons
    assert await sagemaker_names(emulator, uid) == referenced(replaced)
