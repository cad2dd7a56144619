"""Each hosting kind end to end: real apiserver, real emulator, the operator in-process."""

from __future__ import annotations

from typing import Any

from local_cluster import ControlPlane
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample
from tests.reconcilers.hosting import (
    condition,
    conditions,
    endpoint,
    endpoint_on,
    make_model,
    referenced,
    sagemaker_names,
    uid_of,
)
from tests.tools import kubectl

NOTHING: dict[str, list[str]] = {"Model": [], "EndpointConfig": [], "Endpoint": []}


async def columns(plane: ControlPlane, kube: Kube, plural: str, name: str) -> dict[str, str]:
    """`kubectl get` as a user sees it: header -> value for one resource."""
    ran = (await kubectl(plane, "get", plural, name, "-n", kube.namespace)).check()
    header, row = ran.stdout.splitlines()[:2]
    return dict(zip(header.split(), row.split(), strict=True))


async def test_hosting_deployment_in_service_then_deleted(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    created = await kube.create(sample("HostingDeployment", "web"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status("HostingDeployment", "web", "InService")
        status = ready["status"]
        assert status["endpointName"] == f"web-{uid}"
        assert status["endpointArn"].endswith(f":endpoint/web-{uid}")
        assert status["endpointConfigName"].startswith("web-")
        assert status["endpointConfigName"].endswith(uid)
        assert status["endpointUrl"] == (
            f"https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/web-{uid}/invocations"
        )
        [model] = status["modelNames"]
        assert model["name"] == "xgboost-model"
        assert model["value"].startswith("xgboost-model-")
        assert model["value"].endswith(uid)
        [variant] = status["productionVariants"]
        assert variant["variantName"] == "all-traffic"
        assert (variant["currentInstanceCount"], variant["desiredInstanceCount"]) == (1, 1)
        assert (variant["currentWeight"], variant["desiredWeight"]) == (1.0, 1.0)
        assert variant["deployedImages"][0]["specifiedImage"].endswith("/xgboost:latest")
        for stamp in ("creationTime", "lastModifiedTime", "lastCheckTime"):
            assert status[stamp]
        assert conditions(ready) == {"Synced": "True", "Ready": "True"}
        assert condition(ready, "Ready")["reason"] == "InService"
        assert status["observedGeneration"] == ready["metadata"]["generation"]
        assert "sagemaker-operator-finalizer" in ready["metadata"]["finalizers"]
        assert await sagemaker_names(emulator, uid) == referenced(ready)
        shown = await columns(sagemaker_crds, kube, "hostingdeployments", "web")
        assert shown == {
            "NAME": "web",
            "STATUS": "InService",
            "SAGEMAKER-ENDPOINT-NAME": f"web-{uid}",
        }
        waited = await kubectl(
            sagemaker_crds, "wait", "--for=condition=Ready", "--timeout=30s",
            "-n", kube.namespace, "hostingdeployment/web",
        )  # fmt: skip
        assert "condition met" in waited.check().stdout
        # The endpoint the status names answers, through the (emulated) runtime API.
        async with emulator.client("sagemaker-runtime") as runtime:
            answer = await runtime.invoke_endpoint(
                EndpointName=status["endpointName"], Body=b"1,2,3", ContentType="text/csv"
            )
            assert answer["InvokedProductionVariant"] == "all-traffic"
            assert float((await answer["Body"].read()).decode()) >= 0
        reasons = [event.reason for event in await kube.events("web")]
        assert "CreatingEndpoint" in reasons
        assert "InService" in reasons

        await kube.delete("HostingDeployment", "web")
        await kube.wait_for("HostingDeployment", "web", lambda o: o is None, what="deletion")
    assert await sagemaker_names(emulator, uid) == NOTHING
    assert emulator.control.requests.count(operation="DeleteEndpoint") == 1


async def test_model_created_replaced_on_change_and_deleted(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    created = await kube.create(sample("Model", "mnist"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status("Model", "mnist", "Created")
        status = ready["status"]
        assert status["sageMakerModelName"] == f"mnist-{uid}"
        assert status["modelArn"].endswith(f":model/mnist-{uid}")
        assert status["lastUpdateTime"]
        assert conditions(ready) == {"Synced": "True", "Ready": "True"}
        assert await columns(sagemaker_crds, kube, "models", "mnist") == {
            "NAME": "mnist",
            "STATUS": "Created",
            "SAGE-MAKER-MODEL-NAME": f"mnist-{uid}",
        }
        # SageMaker cannot change a model: a new one, then the old one goes.
        await patch_spec(kube, "Model", "mnist", {"primaryContainer": {"image": "x/y:2"}})
        replaced = await kube.wait_for(
            "Model",
            "mnist",
            lambda o: (o or {}).get("status", {}).get("sageMakerModelName") == f"mnist-2-{uid}",
            what="the second model",
        )
        assert replaced is not None
        assert replaced["status"]["observedGeneration"] == 2
        names = await sagemaker_names(emulator, uid)
        assert names["Model"] == [f"mnist-2-{uid}"]
        async with emulator.client("sagemaker") as sagemaker:
            described = await sagemaker.describe_model(ModelName=f"mnist-2-{uid}")
        assert described["PrimaryContainer"]["Image"] == "x/y:2"
        await kube.delete("Model", "mnist")
        await kube.wait_for("Model", "mnist", lambda o: o is None, what="deletion")
    assert await sagemaker_names(emulator, uid) == NOTHING


async def test_a_model_in_use_is_not_deleted_from_under_its_endpoint(
    kube: Kube, emulator: RunningEmulator
) -> None:
    created = await kube.create(sample("Model", "busy"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status("Model", "busy", "Created")
        model = ready["status"]["sageMakerModelName"]
        await endpoint_on(emulator, model, "users-config", "users-endpoint")
        await kube.delete("Model", "busy")
        held = await kube.wait_for_status("Model", "busy", "Deleting")
        assert "users-endpoint" in held["status"]["additional"]
        assert (await sagemaker_names(emulator, uid))["Model"] == [model]
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.delete_endpoint(EndpointName="users-endpoint")
        await kube.wait_for("Model", "busy", lambda o: o is None, seconds=60, what="deletion")
    assert await sagemaker_names(emulator, uid) == NOTHING


async def test_a_fixed_model_name_is_replaced_in_place_once_free(
    kube: Kube, emulator: RunningEmulator
) -> None:
    fixed = f"fixed-{kube.namespace}"
    await kube.create(sample("Model", "pinned", modelName=fixed))
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status("Model", "pinned", "Created")
        assert ready["status"]["sageMakerModelName"] == fixed
        await endpoint_on(emulator, fixed, "pinned-config", "pinned-endpoint")
        await patch_spec(kube, "Model", "pinned", {"primaryContainer": {"image": "x/y:2"}})
        held = await kube.wait_for(
            "Model",
            "pinned",
            lambda o: "pinned-endpoint" in ((o or {}).get("status") or {}).get("additional", ""),
            what="the in-use message",
        )
        assert held is not None
        assert held["status"]["observedGeneration"] == 1  # the change waits
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.delete_endpoint(EndpointName="pinned-endpoint")
        replaced = await kube.wait_for(
            "Model",
            "pinned",
            lambda o: ((o or {}).get("status") or {}).get("observedGeneration") == 2,
            seconds=60,
            what="the model replaced",
        )
        assert replaced is not None
        async with emulator.client("sagemaker") as sagemaker:
            described = await sagemaker.describe_model(ModelName=fixed)
            assert described["PrimaryContainer"]["Image"] == "x/y:2"
            await kube.delete("Model", "pinned")
            await kube.wait_for("Model", "pinned", lambda o: o is None, what="deletion")
            listed = await sagemaker.list_models(NameContains=fixed)
    assert listed["Models"] == []


async def test_endpoint_config_in_use_is_kept_until_free(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    await make_model(emulator, "xgboost-model")
    created = await kube.create(sample("EndpointConfig", "cfg"))
    uid = uid_of(created)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status("EndpointConfig", "cfg", "Created")
        first = ready["status"]["sageMakerEndpointConfigName"]
        assert first == f"cfg-{uid}"
        assert ready["status"]["endpointConfigArn"].endswith(f":endpoint-config/cfg-{uid}")
        assert await columns(sagemaker_crds, kube, "endpointconfigs", "cfg") == {
            "NAME": "cfg",
            "STATUS": "Created",
            "SAGE-MAKER-ENDPOINTCONFIG-NAME": f"cfg-{uid}",
        }
        # Someone runs an endpoint on it; a spec change must not pull it out from under it.
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.create_endpoint(EndpointName="users-endpoint", EndpointConfigName=first)
        variants = [dict(ready["spec"]["productionVariants"][0], initialInstanceCount=2)]
        await patch_spec(kube, "EndpointConfig", "cfg", {"productionVariants": variants})
        held = await kube.wait_for(
            "EndpointConfig",
            "cfg",
            lambda o: "users-endpoint" in ((o or {}).get("status") or {}).get("additional", ""),
            what="the in-use message",
        )
        assert held is not None
        assert held["status"]["sageMakerEndpointConfigName"] == f"cfg-2-{uid}"
        assert sorted((await sagemaker_names(emulator, uid))["EndpointConfig"]) == sorted(
            [first, f"cfg-2-{uid}"]
        )
        assert "InUse" in [event.reason for event in await kube.events("cfg")]
        async with emulator.client("sagemaker") as sagemaker:
            await sagemaker.delete_endpoint(EndpointName="users-endpoint")
        await kube.wait_for(
            "EndpointConfig",
            "cfg",
            lambda o: not ((o or {}).get("status") or {}).get("additional"),
            seconds=60,
            what="the old configuration deleted",
        )
        assert (await sagemaker_names(emulator, uid))["EndpointConfig"] == [f"cfg-2-{uid}"]
        await kube.delete("EndpointConfig", "cfg")
        await kube.wait_for("EndpointConfig", "cfg", lambda o: o is None, what="deletion")
    assert await sagemaker_names(emulator, uid) == NOTHING


async def test_autoscaling_policy_registers_and_deregisters(
    kube: Kube, emulator: RunningEmulator, sagemaker_crds: ControlPlane
) -> None:
    hosting = await kube.create(sample("HostingDeployment", "scaled"))
    endpoint_name = f"scaled-{uid_of(hosting)}"
    body = sample(
        "HostingAutoscalingPolicy",
        "scaler",
        resourceId=[{"endpointName": endpoint_name, "variantName": "all-traffic"}],
    )
    await kube.create(body)  # before the endpoint is InService: the policy waits for it
    resource_id = f"endpoint/{endpoint_name}/variant/all-traffic"
    async with running_operator(kube, emulator.url):
        waiting = await kube.wait_for_status("HostingAutoscalingPolicy", "scaler", "Reconciling")
        assert "InService" in waiting["status"]["additional"]
        ready = await kube.wait_for_status("HostingAutoscalingPolicy", "scaler", "Created")
        status = ready["status"]
        assert status["resourceIDList"] == [resource_id]
        assert status["policyName"] == "SageMakerEndpointInvocationScalingPolicy"
        [arn] = status["policyArns"]
        assert "policyName/SageMakerEndpointInvocationScalingPolicy" in arn
        assert conditions(ready) == {"Synced": "True", "Ready": "True"}
        assert (await endpoint(emulator, endpoint_name))["EndpointStatus"] == "InService"
        targets, policies = await autoscaling(emulator)
        assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
            (resource_id, 1, 2)
        ]
        [policy] = policies
        assert policy["PolicyARN"] == arn
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        assert config["PredefinedMetricSpecification"] == {
            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
        }
        shown = await columns(sagemaker_crds, kube, "hap", "scaler")
        assert (shown["NAME"], shown["STATUS"]) == ("scaler", "Created")
        assert "CREATION-TIME" in shown

        # An update re-puts: a wider range reaches the target.
        await patch_spec(kube, "HostingAutoscalingPolicy", "scaler", {"maxCapacity": 4})
        await kube.wait_for(
            "HostingAutoscalingPolicy",
            "scaler",
            lambda o: ((o or {}).get("status") or {}).get("observedGeneration") == 2,
            what="the update applied",
        )
        targets, _ = await autoscaling(emulator)
        assert [t["MaxCapacity"] for t in targets] == [4]

        await kube.delete("HostingAutoscalingPolicy", "scaler")
        await kube.wait_for("HostingAutoscalingPolicy", "scaler", lambda o: o is None)
    assert await autoscaling(emulator) == ([], [])


async def test_custom_metric_policy_on_two_variants(kube: Kube, emulator: RunningEmulator) -> None:
    body = sample("HostingDeployment", "twins")
    first = body["spec"]["productionVariants"][0]
    body["spec"]["productionVariants"] = [
        dict(first, variantName="blue", initialVariantWeight=1),
        dict(first, variantName="green", initialVariantWeight=1),
    ]
    hosting = await kube.create(body)
    endpoint_name = f"twins-{uid_of(hosting)}"
    dimensions = [
        {"name": "EndpointName", "value": endpoint_name},
        {"name": "VariantName", "value": "blue"},
    ]
    # The old operator's custom-metric shape.
    policy = sample(
        "HostingAutoscalingPolicy",
        "custom",
        resourceId=[
            {"endpointName": endpoint_name, "variantName": "blue"},
            {"endpointName": endpoint_name, "variantName": "green"},
        ],
        policyName="cpu-scaling",
        minCapacity=1,
        maxCapacity=2,
        suspendedState={"dynamicScalingInSuspended": True},
        targetTrackingScalingPolicyConfiguration={
            "targetValue": 60.0,
            "scaleInCooldown": 700,
            "scaleOutCooldown": 300,
            "customizedMetricSpecification": {
                "metricName": "CPUUtilization",
                "namespace": "/aws/sagemaker/Endpoints",
                "dimensions": dimensions,
                "statistic": "Average",
                "unit": "Percent",
            },
        },
    )
    await kube.create(policy)
    async with running_operator(kube, emulator.url):
        ready = await kube.wait_for_status("HostingAutoscalingPolicy", "custom", "Created")
        targets, policies = await autoscaling(emulator)
        # Dropping a variant from the spec deregisters it.
        await patch_spec(
            kube,
            "HostingAutoscalingPolicy",
            "custom",
            {"resourceId": [{"endpointName": endpoint_name, "variantName": "blue"}]},
        )
        await kube.wait_for(
            "HostingAutoscalingPolicy",
            "custom",
            lambda o: len(((o or {}).get("status") or {}).get("resourceIDList") or []) == 1,
            what="green dropped",
        )
        after = await autoscaling(emulator)
    wanted = [f"endpoint/{endpoint_name}/variant/{v}" for v in ("blue", "green")]
    assert ready["status"]["resourceIDList"] == wanted
    assert len(ready["status"]["policyArns"]) == 2
    assert sorted(t["ResourceId"] for t in targets) == wanted
    assert all(t["SuspendedState"]["DynamicScalingInSuspended"] for t in targets)
    assert {p["PolicyName"] for p in policies} == {"cpu-scaling"}
    metric = policies[0]["TargetTrackingScalingPolicyConfiguration"]
    assert metric["CustomizedMetricSpecification"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": endpoint_name},
        {"Name": "VariantName", "Value": "blue"},
    ]
    assert [t["ResourceId"] for t in after[0]] == wanted[:1]
    assert [p["ResourceId"] for p in after[1]] == wanted[:1]


async def autoscaling(emulator: RunningEmulator) -> tuple[list[Any], list[Any]]:
    async with emulator.client("application-autoscaling") as scaling:
        targets = await scaling.describe_scalable_targets(ServiceNamespace="sagemaker")
        policies = await scaling.describe_scaling_policies(ServiceNamespace="sagemaker")
    return targets["ScalableTargets"], policies["ScalingPolicies"]


async def patch_spec(kube: Kube, kind: str, name: str, changes: dict[str, Any]) -> None:
    from tests.reconcilers.harness import GROUP, PLURALS, VERSION

    await kube.objects.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        kube.namespace,
        PLURALS[kind],
        name,
        {"spec": changes},
        _content_type="application/merge-patch+json",
    )
