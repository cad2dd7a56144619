"""The cache's owner index, its compact form, and the transform, without a server."""

from __future__ import annotations

from typing import Any

from controller.cache import EventType, ObjectCache
from controller.handlers import OWNER_INDEX, controller_owner_uid
from controller.resources import ObjectKey
from controller.transform import LAST_APPLIED_ANNOTATION, strip_unread


def child(name: str, version: str, owner_uid: str | None, controller: bool = True) -> Any:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "resourceVersion": version}
    if owner_uid is not None:
        meta["ownerReferences"] = [
            {"kind": "HyperParameterTuningJob", "name": "t", "uid": owner_uid,
             "controller": controller}
        ]  # fmt: skip
    return {"metadata": meta, "spec": {"n": name}}


def test_the_owner_index_follows_adds_moves_deletes_and_relists() -> None:
    cache = ObjectCache()
    cache.apply("ADDED", child("before-index", "1", "u1"))
    cache.add_index(OWNER_INDEX, controller_owner_uid)
    cache.add_index(OWNER_INDEX, controller_owner_uid)  # a second controller asks again
    cache.apply("ADDED", child("a", "1", "u1"))
    cache.apply("ADDED", child("b", "1", "u2"))
    cache.apply("ADDED", child("orphan", "1", None))
    cache.apply("ADDED", child("not-controlled", "1", "u1", controller=False))
    assert cache.by_index(OWNER_INDEX, "u1") == [
        ObjectKey("ns", "a"),
        ObjectKey("ns", "before-index"),
    ]
    cache.apply("MODIFIED", child("a", "2", "u2"))  # moved to another owner
    assert cache.by_index(OWNER_INDEX, "u1") == [ObjectKey("ns", "before-index")]
    assert cache.by_index(OWNER_INDEX, "u2") == [ObjectKey("ns", "a"), ObjectKey("ns", "b")]
    cache.apply("DELETED", child("b", "3", "u2"))
    assert cache.by_index(OWNER_INDEX, "u2") == [ObjectKey("ns", "a")]
    cache.replace("ns", [child("c", "1", "u2")])
    assert cache.by_index(OWNER_INDEX, "u1") == []
    assert cache.by_index(OWNER_INDEX, "u2") == [ObjectKey("ns", "c")]


def test_reads_are_fresh_copies_and_events_carry_old_objects() -> None:
    cache = ObjectCache()
    cache.apply("ADDED", child("a", "1", "u1"))
    read = cache.get(ObjectKey("ns", "a"))
    assert read is not None
    read["spec"]["n"] = "edited by a careless reader"
    assert cache.get(ObjectKey("ns", "a")) == child("a", "1", "u1")
    event = cache.replace("ns", [child("a", "2", "u1")])[0]
    assert event.type == EventType.MODIFIED
    assert event.old == child("a", "1", "u1")
    assert event.obj == child("a", "2", "u1")
    compact = (
        b'{"metadata":{"name":"a","namespace":"ns","resourceVersion":"2","ownerReferences":'
        b'[{"kind":"HyperParameterTuningJob","name":"t","uid":"u1","controller":true}]},'
        b'"spec":{"n":"a"}}'
    )
    assert cache.stored_bytes() == len(compact)  # JSON without whitespace


def test_the_transform_drops_only_what_no_reconciler_reads() -> None:
    obj = {
        "metadata": {
            "name": "a",
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
            "annotations": {LAST_APPLIED_ANNOTATION: "{}", "kept": "yes"},
            "labels": {"app": "x"},
        },
        "spec": {"x": 1},
        "status": {"phase": "Running"},
    }
    assert strip_unread(obj) == {
        "metadata": {"name": "a", "annotations": {"kept": "yes"}, "labels": {"app": "x"}},
        "spec": {"x": 1},
        "status": {"phase": "Running"},
    }
    only_last_applied = {"metadata": {"name": "b", "annotations": {LAST_APPLIED_ANNOTATION: "{}"}}}
    assert strip_unread(only_last_applied) == {"metadata": {"name": "b"}}
