"""The status merge patch at every depth, against the real apiserver (a property test)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes_asyncio import client, config

from local_cluster import ControlPlane
from reconcilers.kube import MERGE_PATCH, status_patch

GROUP, VERSION, PLURAL = "patchtest.example.com", "v1", "things"
CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP,
        "names": {"kind": "Thing", "plural": PLURAL, "singular": "thing"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": VERSION,
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                },
            }
        ],
    },
}

# Statuses as the operator writes them: nested objects, lists, strings, numbers, booleans;
# never a null (a merge patch cannot store one).
KEYS = st.sampled_from(["a", "b", "c", "reason", "bestTrainingJob", "metric", "value"])
SCALARS = st.one_of(st.text(max_size=5), st.integers(-5, 5), st.booleans())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, min_size=1, max_size=3)
    ),
    max_leaves=8,
)
STATUSES = st.dictionaries(KEYS, VALUES, max_size=4)


def test_a_removed_nested_key_becomes_null() -> None:
    current = {"best": {"name": "j1", "metric": {"value": "0.1"}}, "gone": 1}
    desired = {"best": {"name": "j1"}}
    assert status_patch(current, desired) == {"best": {"metric": None}, "gone": None}


async def _stored_after(plane: ControlPlane, before: dict[str, Any], after: dict[str, Any]) -> Any:
    configuration = client.Configuration()
    await config.load_kube_config(str(plane.kubeconfig), client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        objects = client.CustomObjectsApi(api)
        name = f"t-{uuid.uuid4().hex[:10]}"
        await objects.create_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, {"apiVersion": f"{GROUP}/{VERSION}",
                                                 "kind": "Thing", "metadata": {"name": name}}
        )  # fmt: skip
        for patch in (status_patch({}, before), status_patch(before, after)):
            await objects.patch_namespaced_custom_object_status(
                GROUP, VERSION, "default", PLURAL, name, {"status": patch},
                _content_type=MERGE_PATCH,
            )  # fmt: skip
        stored = await objects.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
        await objects.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
    return stored.get("status") or {}


@pytest.fixture(scope="module")
def things(control_plane: ControlPlane) -> ControlPlane:
    async def install() -> None:
        configuration = client.Configuration()
        await config.load_kube_config(
            str(control_plane.kubeconfig), client_configuration=configuration
        )
        async with client.ApiClient(configuration) as api:
            extensions = client.ApiextensionsV1Api(api)
            try:
                await extensions.create_custom_resource_definition(CRD)
            except client.exceptions.ApiException as error:
                if error.status != 409:
                    raise
            async with asyncio.timeout(30):
                while True:
                    found = await extensions.read_custom_resource_definition(
                        CRD["metadata"]["name"]
                    )
                    if any(
                        c.type == "Established" and c.status == "True"
                        for c in found.status.conditions or []
                    ):
                        break
                    await asyncio.sleep(0.1)
            await asyncio.sleep(1)  # discovery

    asyncio.run(install())
    return control_plane


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=STATUSES, after=STATUSES)
def test_the_patch_makes_the_stored_status_equal_the_desired_one(
    things: ControlPlane, before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert asyncio.run(_stored_after(things, before, after)) == after
