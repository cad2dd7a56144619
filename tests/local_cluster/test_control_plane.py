"""The local control plane is a real Kubernetes API: CRDs, CEL rules, watches, RBAC."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from local_cluster import ControlPlane
from tests.tools import kubectl

GROUP = "localtest.sagemaker.aws.amazon.com"
PLURAL = "gadgets"
TIMEOUT = aiohttp.ClientTimeout(total=10)

GADGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": PLURAL, "singular": "gadget", "kind": "Gadget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Status", "type": "string", "jsonPath": ".status.phase"},
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {"size": {"type": "integer", "minimum": 1}},
                                "x-kubernetes-validations": [
                                    {
                                        "rule": "self == oldSelf",
                                        "message": "spec is immutable; create a new gadget",
                                    }
                                ],
                            },
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gadget_crd(control_plane: ControlPlane) -> AsyncIterator[None]:
    configuration = client.Configuration()
    await config.load_kube_config(str(control_plane.kubeconfig), client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        extensions = client.ApiextensionsV1Api(api)
        await extensions.create_custom_resource_definition(GADGET_CRD)
        for _ in range(100):
            crd = await extensions.read_custom_resource_definition(f"{PLURAL}.{GROUP}")
            conditions = {c.type: c.status for c in (crd.status.conditions or [])}
            if conditions.get("Established") == "True":
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the test CRD never became Established")
        # Discovery lags Established by a moment; kubectl needs it.
        for _ in range(100):
            listed = await kubectl(control_plane, "get", f"{PLURAL}.{GROUP}", "-A")
            if listed.returncode == 0:
                break
            await asyncio.sleep(0.2)
        yield
        await extensions.delete_custom_resource_definition(f"{PLURAL}.{GROUP}")


async def _create_namespace(api: client.ApiClient, name: str) -> None:
    try:
        await client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    except ApiException as error:
        if error.status != 409:
            raise


async def test_readyz_answers_ok(control_plane: ControlPlane) -> None:
    context = ssl.create_default_context(cafile=str(control_plane.certs.ca_cert))
    context.load_cert_chain(str(control_plane.certs.admin_cert), str(control_plane.certs.admin_key))
    connector = aiohttp.TCPConnector(ssl=context)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=TIMEOUT) as session,
        session.get(f"{control_plane.url}/readyz") as response,
    ):
        assert response.status == 200
        assert await response.text() == "ok"
    # Without a client certificate the server must not treat us as admin.
    anonymous_ssl = ssl.create_default_context(cafile=str(control_plane.certs.ca_cert))
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=anonymous_ssl), timeout=TIMEOUT
        ) as anonymous,
        anonymous.get(f"{control_plane.url}/api/v1/namespaces") as response,
    ):
        assert response.status in (401, 403)


async def test_crd_printer_columns_and_immutable_spec(
    control_plane: ControlPlane, kube_api: client.ApiClient, gadget_crd: None
) -> None:
    objects = client.CustomObjectsApi(kube_api)
    await _create_namespace(kube_api, "gadgets-a")
    body = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1"},
        "spec": {"size": 3},
    }
    await objects.create_namespaced_custom_object(GROUP, "v1", "gadgets-a", PLURAL, body)
    await objects.patch_namespaced_custom_object_status(
        GROUP,
        "v1",
        "gadgets-a",
        PLURAL,
        "g1",
        {"status": {"phase": "Ready"}},
        _content_type="application/merge-patch+json",
    )

    out = (
        (await kubectl(control_plane, "get", f"{PLURAL}.{GROUP}", "-n", "gadgets-a")).check().stdout
    )
    header, row = out.splitlines()[:2]
    assert header.split() == ["NAME", "STATUS", "SIZE"]
    assert row.split()[:3] == ["g1", "Ready", "3"]

    with pytest.raises(ApiException) as refused:
        await objects.patch_namespaced_custom_object(
            GROUP,
            "v1",
            "gadgets-a",
            PLURAL,
            "g1",
            {"spec": {"size": 4}},
            _content_type="application/merge-patch+json",
        )
    assert refused.value.status == 422
    assert "spec is immutable; create a new gadget" in str(refused.value.body)

    with pytest.raises(ApiException) as schema:
        await objects.create_namespaced_custom_object(
            GROUP,
            "v1",
            "gadgets-a",
            PLURAL,
            {**body, "metadata": {"name": "g2"}, "spec": {"size": 0}},
        )
    assert schema.value.status == 422
    assert "spec.size" in str(schema.value.body)


async def test_client_creates_lists_watches_and_patches_status(
    kube_api: client.ApiClient, gadget_crd: None
) -> None:
    objects = client.CustomObjectsApi(kube_api)
    namespace = "gadgets-watch"
    await _create_namespace(kube_api, namespace)
    await objects.create_namespaced_custom_object(
        GROUP,
        "v1",
        namespace,
        PLURAL,
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Gadget",
            "metadata": {"name": "w1"},
            "spec": {"size": 1},
        },
    )
    listed = await objects.list_namespaced_custom_object(GROUP, "v1", namespace, PLURAL)
    assert [item["metadata"]["name"] for item in listed["items"]] == ["w1"]
    resource_version = listed["metadata"]["resourceVersion"]

    # Read the raw watch stream: every line is one event, BOOKMARKs included.
    response = await objects.list_namespaced_custom_object(
        GROUP,
        "v1",
        namespace,
        PLURAL,
        watch=True,
        allow_watch_bookmarks=True,
        resource_version=resource_version,
        timeout_seconds=20,
        _preload_content=False,
        _request_timeout=30,
    )

    async def patch_soon() -> None:
        await asyncio.sleep(0.3)
        await objects.patch_namespaced_custom_object_status(
            GROUP,
            "v1",
            namespace,
            PLURAL,
            "w1",
            {"status": {"phase": "Running"}},
            _content_type="application/merge-patch+json",
        )

    patcher = asyncio.create_task(patch_soon())
    seen: dict[str, Any] | None = None
    try:
        async with asyncio.timeout(20):
            while seen is None:
                line = await response.content.readline()
                assert line, "the watch ended before the status change arrived"
                event = json.loads(line)
                if event["type"] == "MODIFIED":
                    seen = event["object"]
    finally:
        response.close()
        await patcher
    assert seen["status"] == {"phase": "Running"}
    assert seen["spec"] == {"size": 1}, "a status merge-patch must leave spec alone"


async def test_rbac_token_is_confined_to_its_namespace(
    control_plane: ControlPlane, kube_api: client.ApiClient
) -> None:
    core = client.CoreV1Api(kube_api)
    rbac = client.RbacAuthorizationV1Api(kube_api)
    for namespace in ("rbac-a", "rbac-b"):
        await _create_namespace(kube_api, namespace)
    await core.create_namespaced_service_account("rbac-a", {"metadata": {"name": "reader"}})
    await rbac.create_namespaced_role(
        "rbac-a",
        {
            "metadata": {"name": "configmap-reader"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}],
        },
    )
    await rbac.create_namespaced_role_binding(
        "rbac-a",
        {
            "metadata": {"name": "reader-reads"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "configmap-reader",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "rbac-a"}],
        },
    )
    token_request = await core.create_namespaced_service_account_token(
        "reader", "rbac-a", {"spec": {"expirationSeconds": 600}}
    )
    token = token_request.status.token

    configuration = client.Configuration()
    configuration.host = control_plane.url
    configuration.ssl_ca_cert = str(control_plane.certs.ca_cert)
    configuration.api_key = {"BearerToken": token}
    configuration.api_key_prefix = {"BearerToken": "Bearer"}
    async with client.ApiClient(configuration) as as_reader:
        reader_core = client.CoreV1Api(as_reader)
        allowed = await reader_core.list_namespaced_config_map("rbac-a")
        assert allowed.items is not None
        with pytest.raises(ApiException) as refused:
            await reader_core.list_namespaced_config_map("rbac-b")
        assert refused.value.status == 403
        with pytest.raises(ApiException) as no_write:
            await reader_core.create_namespaced_config_map("rbac-a", {"metadata": {"name": "x"}})
        assert no_write.value.status == 403
