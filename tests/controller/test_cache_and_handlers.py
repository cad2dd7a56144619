"""The cache's diffing, the key mappers, and the Lease time format."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from controller.cache import EventType, ObjectCache, ObjectEvent
from controller.handlers import controller_owner_keys, own_key
from controller.leader_election import LeaderElectionConfig, micro_time
from controller.resources import Kind, ObjectKey
from controller.workqueue import WorkQueue

OWNER = Kind("sagemaker.aws.amazon.com", "v1", "trainingjobs", "TrainingJob")


def obj(name: str, version: str, namespace: str = "ns", **metadata: Any) -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace, "resourceVersion": version, **metadata}
    return {"metadata": meta}


def test_apply_reports_adds_updates_deletes_and_skips_replays() -> None:
    cache = ObjectCache()
    added = cache.apply("ADDED", obj("a", "1"))
    assert added is not None
    assert added.type == EventType.ADDED
    assert cache.apply("MODIFIED", obj("a", "1")) is None  # same version again
    modified = cache.apply("MODIFIED", obj("a", "2"))
    assert modified is not None
    assert modified.old is not None
    assert modified.old["metadata"]["resourceVersion"] == "1"
    deleted = cache.apply("DELETED", obj("a", "3"))
    assert deleted is not None
    assert deleted.type == EventType.DELETED
    assert len(cache) == 0


def test_replace_only_touches_its_namespace() -> None:
    cache = ObjectCache()
    for item in (obj("a", "1"), obj("b", "1"), obj("x", "1", namespace="other")):
        cache.apply("ADDED", item)
    events = cache.replace("ns", [obj("b", "2"), obj("c", "1")])
    assert sorted((e.type.value, e.key.name) for e in events) == [
        ("ADDED", "c"),
        ("DELETED", "a"),
        ("MODIFIED", "b"),
    ]
    assert sorted(str(k) for k in cache) == ["ns/b", "ns/c", "other/x"]
    assert [o["metadata"]["name"] for o in cache.objects("other")] == ["x"]


def test_owner_mapping_uses_only_the_controlling_owner_of_the_right_kind() -> None:
    def ref(kind: str, name: str, controller: bool, api_version: str = OWNER.api_version) -> Any:
        return {"apiVersion": api_version, "kind": kind, "name": name, "controller": controller}

    mapper = controller_owner_keys(OWNER)
    child = obj(
        "pod",
        "1",
        ownerReferences=[
            ref("TrainingJob", "not-controller", False),
            ref("TrainingJob", "other-group", True, "example.com/v1"),
            ref("TrainingJob", "job-1", True),
        ],
    )
    event = ObjectEvent(EventType.ADDED, ObjectKey.of(child), child)
    assert mapper(event) == [ObjectKey("ns", "job-1")]
    moved = obj("pod", "2", ownerReferences=[ref("TrainingJob", "job-2", True)])
    update = ObjectEvent(EventType.MODIFIED, ObjectKey.of(moved), moved, child)
    assert mapper(update) == [ObjectKey("ns", "job-1"), ObjectKey("ns", "job-2")]
    assert mapper(ObjectEvent(EventType.ADDED, ObjectKey("ns", "x"), obj("x", "1"))) == []
    assert own_key(event) == [ObjectKey("ns", "pod")]


def test_object_keys_queue_like_client_go_keys() -> None:
    queue: WorkQueue[ObjectKey] = WorkQueue("keys")
    queue.add(ObjectKey("ns", "a"))
    queue.add(ObjectKey.of(obj("a", "9")))
    assert len(queue) == 1
    assert str(ObjectKey("", "cluster-scoped")) == "cluster-scoped"


def test_micro_time_is_rfc3339_with_microseconds_in_utc() -> None:
    stamp = micro_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert stamp == "2026-01-02T03:04:05.000000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", micro_time())


def test_lease_timing_must_nest() -> None:
    with pytest.raises(ValueError, match="lease_duration"):
        LeaderElectionConfig("l", "ns", "me", lease_duration_seconds=2, renew_deadline_seconds=3)
    config = LeaderElectionConfig("l", "ns", "me", 3, 2, 0.5)
    assert config.request_timeout_seconds == 0.5
