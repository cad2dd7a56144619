"""Every benchmark object's status, kept by one list and a watch.

A benchmark that waits by listing every object four times a second loads the apiserver it
measures (1,000 TrainingJobs: ~5 MB serialized per list) and the machine's two cores with
parsing; the rates it then reports are partly its own. A watch costs one event per change,
as any controller's does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from kubernetes_asyncio import watch
from kubernetes_asyncio.client.exceptions import ApiException

GROUP, VERSION = "sagemaker.aws.amazon.com", "v1"
_WATCH_SECONDS = 60
_REQUEST_SECONDS = 60.0
_RETRY_PAUSE = 0.5


class StatusWatch:
    """The ``status`` of every object of ``plural`` in ``namespace``, by name."""

    def __init__(self, objects: Any, namespace: str, plural: str) -> None:
        self._objects = objects
        self._namespace = namespace
        self._plural = plural
        self.statuses: dict[str, dict[str, Any]] = {}
        self._synced = asyncio.Event()

    def counts(self, field: str) -> dict[str, int]:
        """How many objects have each value of ``status.<field>`` ("none" if unset)."""
        counts: dict[str, int] = {}
        for status in self.statuses.values():
            value = status.get(field) or "none"
            counts[value] = counts.get(value, 0) + 1
        return counts

    async def synced(self) -> None:
        await self._synced.wait()

    async def run(self) -> None:
        """List, then watch from there; list again when the watch is too old (410)."""
        while True:
            try:
                version = await self._list()
                while True:
                    version = await self._watch(version)
            except (ApiException, OSError, TimeoutError):
                await asyncio.sleep(_RETRY_PAUSE)

    async def _list(self) -> str:
        listed = await self._objects.list_namespaced_custom_object(
            GROUP, VERSION, self._namespace, self._plural, _request_timeout=_REQUEST_SECONDS
        )
        self.statuses = {
            item["metadata"]["name"]: item.get("status") or {} for item in listed["items"]
        }
        self._synced.set()
        return str(listed["metadata"]["resourceVersion"])

    async def _watch(self, version: str) -> str:
        """Apply events from ``version`` on; the version to go on from."""
        async with watch.Watch().stream(
            self._objects.list_namespaced_custom_object,
            GROUP,
            VERSION,
            self._namespace,
            self._plural,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=_WATCH_SECONDS,
            _request_timeout=_WATCH_SECONDS + 10,
        ) as events:
            # An expired version raises ApiException(410): ``run`` lists again.
            async for event in events:
                obj = event["raw_object"]
                meta = obj["metadata"]
                version = str(meta["resourceVersion"])
                if event["type"] == "DELETED":
                    self.statuses.pop(meta["name"], None)
                elif event["type"] != "BOOKMARK":
                    self.statuses[meta["name"]] = obj.get("status") or {}
        return version


@contextlib.asynccontextmanager
async def watching(objects: Any, namespace: str, plural: str) -> AsyncIterator[StatusWatch]:
    """A :class:`StatusWatch` kept current in the background while the block runs."""
    statuses = StatusWatch(objects, namespace, plural)
    task = asyncio.create_task(statuses.run(), name=f"status-watch-{plural}")
    try:
        await statuses.synced()
        yield statuses
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
