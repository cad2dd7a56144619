"""Event handlers: which key(s) a change to an object should enqueue."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from controller.cache import ObjectEvent
from controller.resources import Kind, KubeObject, ObjectKey

KeyMapper = Callable[[ObjectEvent], Iterable[ObjectKey]]
OWNER_INDEX = "controller-owner-uid"
"""The cache index of owned kinds: the UID of an object's controlling owner."""


def own_key(event: ObjectEvent) -> list[ObjectKey]:
    """The changed object itself: for the kind a controller reconciles."""
    return [event.key]


def _controller_owner(obj: KubeObject | None, owner: Kind) -> str | None:
    if obj is None:
        return None
    for reference in (obj.get("metadata") or {}).get("ownerReferences") or []:
        api_version = str(reference.get("apiVersion", ""))
        group = api_version.rpartition("/")[0]
        is_controller = bool(reference.get("controller"))
        if is_controller and reference.get("kind") == owner.kind and group == owner.group:
            return str(reference["name"])
    return None


def controller_owner_uid(obj: KubeObject) -> list[str]:
    """The UID of the owner marked ``controller: true``, if any (the ``OWNER_INDEX``)."""
    for reference in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if reference.get("controller") and reference.get("uid"):
            return [str(reference["uid"])]
    return []


def controller_owner_keys(owner: Kind) -> KeyMapper:
    """The owner that controls the changed object, for kinds a controller creates.

    Like controller-runtime's ``EnqueueRequestForOwner(..., OnlyControllerOwner())``: only the
    ownerReference marked ``controller: true`` counts, and on an update that moved the
    object to another owner both the old and the new owner are enqueued.
    """

    def mapper(event: ObjectEvent) -> list[ObjectKey]:
        keys: list[ObjectKey] = []
        for obj in (event.old, event.obj):
            name = _controller_owner(obj, owner)
            if name is not None:
                key = ObjectKey(event.key.namespace, name)
                if key not in keys:
                    keys.append(key)
        return keys

    return mapper
