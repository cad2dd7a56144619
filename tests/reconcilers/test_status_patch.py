"""The status merge patch at every depth, against the real apiserver (a property test)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes_asyncio import client

from local_cluster import ControlPlane
from reconcilers.kube import MERGE_PATCH, status_patch
from tests.controller.kube_helpers import GROUP, PLURAL, VERSION, WIDGET, api_for, install_test_crds

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
    async with await api_for(plane.kubeconfig) as api:
        await install_test_crds(api)
        objects = client.CustomObjectsApi(api)
        name = f"patched-{uuid.uuid4().hex[:10]}"
        body = {"apiVersion": WIDGET.api_version, "kind": WIDGET.kind, "metadata": {"name": name}}
        await objects.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, body)
        for patch in (status_patch({}, before), status_patch(before, after)):
            await objects.patch_namespaced_custom_object_status(
                GROUP, VERSION, "default", PLURAL, name, {"status": patch},
                _content_type=MERGE_PATCH,
            )  # fmt: skip
        stored = await objects.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
        await objects.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
    return stored.get("status") or {}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=STATUSES, after=STATUSES)
def test_the_patch_makes_the_stored_status_equal_the_desired_one(
    control_plane: ControlPlane, before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert asyncio.run(_stored_after(control_plane, before, after)) == after
