"""Helpers for controller tests against the real local control plane: a Widget CRD, clients."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from controller.resources import Kind

GROUP = "test.sagemaker.local"
VERSION = "v1"
PLURAL = "widgets"
WIDGET = Kind(group=GROUP, version=VERSION, plural=PLURAL, kind="Widget")
GADGET = Kind(group=GROUP, version=VERSION, plural="gadgets", kind="Gadget")


async def api_for(kubeconfig: Path, host: str | None = None) -> client.ApiClient:
    """An admin client; ``host`` reroutes it (e.g. through a proxy) with the same credentials."""
    configuration = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    if host is not None:
        configuration.host = host
    return client.ApiClient(configuration)


def _crd(kind: Kind) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.plural}.{kind.group}"},
        "spec": {
            "group": kind.group,
            "scope": "Namespaced",
            "names": {
                "plural": kind.plural,
                "singular": kind.kind.lower(),
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
            },
            "versions": [
                {
                    "name": kind.version,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


async def install_crds(api: client.ApiClient, crds: list[dict[str, Any]]) -> None:
    """Create CRDs (idempotent) and wait until each is Established and served."""
    extensions = client.ApiextensionsV1Api(api)
    custom = client.CustomObjectsApi(api)
    for crd in crds:
        try:
            await extensions.create_custom_resource_definition(crd)  # type: ignore[arg-type,unused-ignore]
        except ApiException as error:
            if error.status != 409:
                raise
    for crd in crds:
        name = crd["metadata"]["name"]
        group, plural = crd["spec"]["group"], crd["spec"]["names"]["plural"]
        version = next(v["name"] for v in crd["spec"]["versions"] if v.get("served"))
        for _ in range(300):
            stored = await extensions.read_custom_resource_definition(name)
            conditions = (stored.status.conditions or []) if stored.status else []
            if any(c.type == "Established" and c.status == "True" for c in conditions):
                try:
                    await custom.list_cluster_custom_object(group, version, plural, limit=1)
                    break
                except ApiException as error:
                    if error.status != 404:
                        raise
            await asyncio.sleep(0.1)
        else:
            raise TimeoutError(f"CRD {name} never became established")


async def install_test_crds(api: client.ApiClient) -> None:
    """The Widget and Gadget CRDs these tests reconcile."""
    await install_crds(api, [_crd(WIDGET), _crd(GADGET)])


async def create_namespace(api: client.ApiClient, prefix: str = "t") -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    body = {"metadata": {"name": name}}
    await client.CoreV1Api(api).create_namespace(body)  # type: ignore[arg-type,unused-ignore]
    return name


async def create_object(
    api: client.ApiClient,
    namespace: str,
    name: str,
    spec: dict[str, Any] | None = None,
    *,
    kind: Kind = WIDGET,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if owner is not None:
        metadata["ownerReferences"] = [
            {
                "apiVersion": WIDGET.api_version,
                "kind": WIDGET.kind,
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    body = {
        "apiVersion": kind.api_version,
        "kind": kind.kind,
        "metadata": metadata,
        "spec": spec or {"size": 1},
    }
    created: dict[str, Any] = await client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, kind.plural, body
    )
    return created


async def patch_spec(
    api: client.ApiClient, namespace: str, name: str, spec: dict[str, Any]
) -> dict[str, Any]:
    custom = client.CustomObjectsApi(api)
    patched: dict[str, Any] = await custom.patch_namespaced_custom_object(  # type: ignore[call-arg,unused-ignore]
        GROUP,
        VERSION,
        namespace,
        PLURAL,
        name,
        {"spec": spec},
        _content_type="application/merge-patch+json",
    )
    return patched


async def delete_widget(api: client.ApiClient, namespace: str, name: str) -> None:
    await client.CustomObjectsApi(api).delete_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, name
    )


async def list_widgets(api: client.ApiClient, namespace: str) -> dict[str, dict[str, Any]]:
    """Server-side truth: name -> object, for comparing with an informer's cache."""
    listed = await client.CustomObjectsApi(api).list_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL
    )
    return {item["metadata"]["name"]: item for item in listed["items"]}


async def eventually(check: Any, *, within: float, interval: float = 0.05) -> None:
    """Wait (bounded) until ``check()`` (sync or async) is truthy; fail with its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: Any = None
    while loop.time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s (last value: {last!r})")
