"""The informer's in-memory cache: namespace/name -> the latest object the server sent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from controller.resources import KubeObject, ObjectKey, resource_version


class EventType(StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"


@dataclass(frozen=True)
class ObjectEvent:
    """A change the cache saw; ``old`` is the previous object for MODIFIED and DELETED."""

    type: EventType
    key: ObjectKey
    obj: KubeObject
    old: KubeObject | None = None


class ObjectCache:
    """Latest objects by key. Readers must treat returned objects as read-only."""

    def __init__(self) -> None:
        self._objects: dict[ObjectKey, KubeObject] = {}

    def get(self, key: ObjectKey) -> KubeObject | None:
        return self._objects.get(key)

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def keys(self) -> list[ObjectKey]:
        return list(self._objects)

    def objects(self, namespace: str | None = None) -> list[KubeObject]:
        if namespace is None:
            return list(self._objects.values())
        return [obj for key, obj in self._objects.items() if key.namespace == namespace]

    def __iter__(self) -> Iterator[ObjectKey]:
        return iter(list(self._objects))

    def apply(self, event_type: str, obj: KubeObject) -> ObjectEvent | None:
        """Apply one watch event; None when it changes nothing (a replayed version)."""
        key = ObjectKey.of(obj)
        old = self._objects.get(key)
        if event_type == EventType.DELETED:
            self._objects.pop(key, None)
            return ObjectEvent(EventType.DELETED, key, obj, old)
        if old is not None and resource_version(old) == resource_version(obj):
            return None
        self._objects[key] = obj
        if old is None:
            return ObjectEvent(EventType.ADDED, key, obj)
        return ObjectEvent(EventType.MODIFIED, key, obj, old)

    def replace(self, namespace: str | None, objects: Iterable[KubeObject]) -> list[ObjectEvent]:
        """Make the cache's view of ``namespace`` (None = all) equal to a fresh list.

        Returns what changed, so a relist after 410 Gone tells the handlers about every
        create, update and delete the broken watch missed.
        """
        fresh = {ObjectKey.of(obj): obj for obj in objects}
        events: list[ObjectEvent] = []
        for key, old in list(self._objects.items()):
            if (namespace is None or key.namespace == namespace) and key not in fresh:
                del self._objects[key]
                events.append(ObjectEvent(EventType.DELETED, key, old, old))
        for key, obj in fresh.items():
            previous = self._objects.get(key)
            self._objects[key] = obj
            if previous is None:
                events.append(ObjectEvent(EventType.ADDED, key, obj))
            elif resource_version(previous) != resource_version(obj):
                events.append(ObjectEvent(EventType.MODIFIED, key, obj, previous))
        return events
