"""The Kubernetes writes a reconciler makes: status, finalizers, events, owned objects.

Status is merge-patched on the status subresource and only when it changed; finalizer
patches carry the object's resourceVersion, so a concurrent writer makes ours fail with
409 (the key is retried) instead of one of us silently losing the other's finalizer.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from typing import Any

import structlog
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from controller.resources import Kind, KubeObject

MERGE_PATCH = "application/merge-patch+json"
COMPONENT = "sagemaker-k8s-operator"
_REQUEST_TIMEOUT = 30.0
# Event messages are capped by the apiserver at 1 KiB for the note; keep well inside.
_EVENT_MESSAGE_LIMIT = 1000

log = structlog.get_logger(__name__)


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


class KubeWriter:
    """Writes to one kind's objects through the API server."""

    def __init__(self, api: client.ApiClient, kind: Kind) -> None:
        self.kind = kind
        self._objects = client.CustomObjectsApi(api)
        self._core = client.CoreV1Api(api)
        self.status_writes = 0

    async def patch_status(self, obj: KubeObject, patch: Mapping[str, Any]) -> KubeObject:
        meta = metadata(obj)
        self.status_writes += 1
        result: KubeObject = await self._objects.patch_namespaced_custom_object_status(
            self.kind.group,
            self.kind.version,
            meta["namespace"],
            self.kind.plural,
            meta["name"],
            {"status": dict(patch)},
            _content_type=MERGE_PATCH,
            _request_timeout=_REQUEST_TIMEOUT,
        )
        return result

    async def set_finalizers(self, obj: KubeObject, finalizers: list[str]) -> KubeObject:
        meta = metadata(obj)
        body = {"metadata": {"finalizers": finalizers, "resourceVersion": meta["resourceVersion"]}}
        result: KubeObject = await self._objects.patch_namespaced_custom_object(
            self.kind.group,
            self.kind.version,
            meta["namespace"],
            self.kind.plural,
            meta["name"],
            body,
            _content_type=MERGE_PATCH,
            _request_timeout=_REQUEST_TIMEOUT,
        )
        return result

    async def delete_labelled(self, kind: Kind, namespace: str, labels: Mapping[str, str]) -> None:
        """Delete every object of ``kind`` in ``namespace`` carrying ``labels``."""
        await self._objects.delete_collection_namespaced_custom_object(
            kind.group,
            kind.version,
            namespace,
            kind.plural,
            label_selector=",".join(f"{key}={value}" for key, value in labels.items()),
            _request_timeout=_REQUEST_TIMEOUT,
        )

    async def event(self, obj: KubeObject, event_type: str, reason: str, message: str) -> None:
        """Record a Kubernetes Event on ``obj``; a failure to record is logged, not raised."""
        meta = metadata(obj)
        stamp = now_rfc3339()
        body = {
            "metadata": {
                "name": f"{meta['name']}.{secrets.token_hex(8)}",
                "namespace": meta["namespace"],
            },
            "involvedObject": {
                "apiVersion": self.kind.api_version,
                "kind": self.kind.kind,
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta.get("uid"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "type": event_type,
            "reason": reason,
            "message": message[:_EVENT_MESSAGE_LIMIT],
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
        }
        try:
            await self._core.create_namespaced_event(
                meta["namespace"], body, _request_timeout=_REQUEST_TIMEOUT
            )
        except ApiException as error:
            log.warning("event_not_recorded", reason=reason, status=error.status)


def status_patch(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON merge patch (RFC 7386) that turns ``current`` into ``desired``.

    At every depth: changed values, and nulls for keys ``desired`` no longer has, so a field
    that disappears from a nested object (a failure reason, a best job's metric) is removed
    from the stored status too. Lists are replaced whole, as merge patch does.
    """
    patch: dict[str, Any] = {}
    for key, value in desired.items():
        old = current.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            nested = status_patch(old, value)
            if nested:
                patch[key] = nested
        elif old != value or key not in current:
            patch[key] = value
    for key in current:
        if key not in desired:
            patch[key] = None
    return patch
