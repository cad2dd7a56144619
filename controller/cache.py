"""The informer's in-memory cache: namespace/name -> the latest object the server sent.

Objects are held compact: each as its resourceVersion and its JSON text (UTF-8 bytes), not
as the parsed dict. A parsed TrainingJob is a tree of dicts, lists and strings several times
the size of its JSON, and the cache holds one per resource for the operator's whole life,
while a reconciler reads one object per reconcile; parsing it again then costs tens of
microseconds. Every ``get`` returns a fresh dict, so a reconciler that edits what it read
cannot corrupt the cache.

Indexes map a value computed from each object (its controlling owner's UID, say) to the
keys of the objects that have it, so a controller finds an owner's children without a scan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import NamedTuple

from controller.resources import KubeObject, ObjectKey, resource_version


class EventType(StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"


class ObjectEvent:
    """A change the cache saw; ``old`` is the previous object for MODIFIED and DELETED.

    Either object may be given as the cache's JSON bytes; it is parsed when read, each time,
    so a relist of many objects never holds them all parsed at once.
    """

    __slots__ = ("_obj", "_old", "key", "type")

    def __init__(
        self,
        type: EventType,
        key: ObjectKey,
        obj: KubeObject | bytes,
        old: KubeObject | bytes | None = None,
    ) -> None:
        self.type = type
        self.key = key
        self._obj = obj
        self._old = old

    @property
    def obj(self) -> KubeObject:
        return decode(self._obj) if isinstance(self._obj, bytes) else self._obj

    @property
    def old(self) -> KubeObject | None:
        return decode(self._old) if isinstance(self._old, bytes) else self._old

    def __repr__(self) -> str:
        return f"ObjectEvent({self.type.value}, {self.key})"


class Entry(NamedTuple):
    """One cached object: its key, resourceVersion and JSON text."""

    key: ObjectKey
    version: str
    data: bytes

    @classmethod
    def of(cls, obj: KubeObject) -> Entry:
        return cls(ObjectKey.of(obj), resource_version(obj), encode(obj))


IndexFunction = Callable[[KubeObject], Iterable[str]]
"""The values under which an object is indexed (none: it is not in the index)."""


def encode(obj: KubeObject) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def decode(data: bytes) -> KubeObject:
    obj: KubeObject = json.loads(data)
    return obj


class _Index:
    """One index: value -> keys, and key -> its values (to unindex what an update moved)."""

    def __init__(self, function: IndexFunction) -> None:
        self.function = function
        self.keys_by_value: dict[str, set[ObjectKey]] = {}
        self.values_by_key: dict[ObjectKey, tuple[str, ...]] = {}

    def put(self, key: ObjectKey, obj: KubeObject) -> None:
        values = tuple(dict.fromkeys(self.function(obj)))
        if self.values_by_key.get(key, ()) == values:
            return
        self.drop(key)
        if values:
            self.values_by_key[key] = values
            for value in values:
                self.keys_by_value.setdefault(value, set()).add(key)

    def drop(self, key: ObjectKey) -> None:
        for value in self.values_by_key.pop(key, ()):
            keys = self.keys_by_value[value]
            keys.discard(key)
            if not keys:
                del self.keys_by_value[value]


class ObjectCache:
    """Latest objects by key, held compact (see the module's docstring)."""

    def __init__(self) -> None:
        self._objects: dict[ObjectKey, tuple[str, bytes]] = {}  # key -> (version, JSON)
        self._indexes: dict[str, _Index] = {}

    def get(self, key: ObjectKey) -> KubeObject | None:
        entry = self._objects.get(key)
        return None if entry is None else decode(entry[1])

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def keys(self) -> list[ObjectKey]:
        return list(self._objects)

    def objects(self, namespace: str | None = None) -> list[KubeObject]:
        return [
            decode(data)
            for key, (_, data) in self._objects.items()
            if namespace is None or key.namespace == namespace
        ]

    def __iter__(self) -> Iterator[ObjectKey]:
        return iter(list(self._objects))

    def stored_bytes(self) -> int:
        """The JSON held, in bytes (for benchmarks and logs)."""
        return sum(len(data) for _, data in self._objects.values())

    def add_index(self, name: str, function: IndexFunction) -> None:
        """Index every object, present and future, by ``function``; once per name."""
        if name in self._indexes:
            return
        index = self._indexes[name] = _Index(function)
        for key, (_, data) in self._objects.items():
            index.put(key, decode(data))

    def by_index(self, name: str, value: str) -> list[ObjectKey]:
        """The keys of the objects ``name``'s function maps to ``value``."""
        return sorted(self._indexes[name].keys_by_value.get(value, ()))

    def _store(self, entry: Entry, obj: KubeObject | None = None) -> None:
        self._objects[entry.key] = (entry.version, entry.data)
        if self._indexes:
            parsed = decode(entry.data) if obj is None else obj
            for index in self._indexes.values():
                index.put(entry.key, parsed)

    def _drop(self, key: ObjectKey) -> tuple[str, bytes] | None:
        for index in self._indexes.values():
            index.drop(key)
        return self._objects.pop(key, None)

    def apply(self, event_type: str, obj: KubeObject) -> ObjectEvent | None:
        """Apply one watch event; None when it changes nothing (a replayed version)."""
        key = ObjectKey.of(obj)
        if event_type == EventType.DELETED:
            gone = self._drop(key)
            return ObjectEvent(EventType.DELETED, key, obj, None if gone is None else gone[1])
        old = self._objects.get(key)
        if old is not None and old[0] == resource_version(obj):
            return None
        self._store(Entry(key, resource_version(obj), encode(obj)), obj)
        if old is None:
            return ObjectEvent(EventType.ADDED, key, obj)
        return ObjectEvent(EventType.MODIFIED, key, obj, old[1])

    def replace(self, namespace: str | None, objects: Iterable[KubeObject]) -> list[ObjectEvent]:
        """Make the cache's view of ``namespace`` (None = all) equal to a fresh list.

        Returns what changed, so a relist after 410 Gone tells the handlers about every
        create, update and delete the broken watch missed.
        """
        return self.replace_entries(namespace, [Entry.of(obj) for obj in objects])

    def replace_entries(self, namespace: str | None, entries: Iterable[Entry]) -> list[ObjectEvent]:
        """``replace`` with objects already in the cache's form (a list, page by page)."""
        fresh = {entry.key: entry for entry in entries}
        events: list[ObjectEvent] = []
        for key in list(self._objects):
            if (namespace is None or key.namespace == namespace) and key not in fresh:
                old = self._objects[key][1]
                self._drop(key)
                events.append(ObjectEvent(EventType.DELETED, key, old, old))
        for key, entry in fresh.items():
            previous = self._objects.get(key)
            if previous is None:
                self._store(entry)
                events.append(ObjectEvent(EventType.ADDED, key, entry.data))
            elif previous[0] != entry.version:
                self._store(entry)
                events.append(ObjectEvent(EventType.MODIFIED, key, entry.data, previous[1]))
        return events
