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

from controller.kube_client import KubeApi, KubeError, request_json
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

    def __init__(self, api: KubeApi, kind: Kind) -> None:
        self.kind = kind
        self.api = api
        self.status_writes = 0

    def _path(self, obj: KubeObject, subresource: str = "") -> str:
        meta = metadata(obj)
        path = f"{self.kind.collection_path(meta['namespace'])}/{meta['name']}"
        return f"{path}/{subresource}" if subresource else path

    async def patch_status(self, obj: KubeObject, patch: Mapping[str, Any]) -> KubeObject:
        self.status_writes += 1
        result: KubeObject = await request_json(
            self.api,
            "PATCH",
            self._path(obj, "status"),
            body={"status": dict(patch)},
            content_type=MERGE_PATCH,
            request_timeout=_REQUEST_TIMEOUT,
        )
        return result

    async def set_finalizers(self, obj: KubeObject, finalizers: list[str]) -> KubeObject:
        meta = metadata(obj)
        body = {"metadata": {"finalizers": finalizers, "resourceVersion": meta["resourceVersion"]}}
        result: KubeObject = await request_json(
            self.api,
            "PATCH",
            self._path(obj),
            body=body,
            content_type=MERGE_PATCH,
            request_timeout=_REQUEST_TIMEOUT,
        )
        return result

    async def delete_labelled(self, kind: Kind, namespace: str, labels: Mapping[str, str]) -> None:
        """Delete every object of ``kind`` in ``namespace`` carrying ``labels``."""
        await delete_labelled(self.api, kind, namespace, labels)

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
            await request_json(
                self.api,
                "POST",
                f"/api/v1/namespaces/{meta['namespace']}/events",
                body=body,
                request_timeout=_REQUEST_TIMEOUT,
            )
        except KubeError as error:
            log.warning("event_not_recorded", reason=reason, status=error.status)


async def create(api: KubeApi, kind: Kind, namespace: str, body: KubeObject) -> KubeObject:
    """Create ``body`` (of ``kind``) in ``namespace``; ``KubeError`` 409 if it exists."""
    created: KubeObject = await request_json(
        api, "POST", kind.collection_path(namespace), body=body, request_timeout=_REQUEST_TIMEOUT
    )
    return created


async def delete_labelled(
    api: KubeApi, kind: Kind, namespace: str, labels: Mapping[str, str]
) -> None:
    """Delete every object of ``kind`` in ``namespace`` carrying ``labels``."""
    selector = ",".join(f"{key}={value}" for key, value in labels.items())
    await request_json(
        api,
        "DELETE",
        kind.collection_path(namespace),
        query=[("labelSelector", selector)],
        request_timeout=_REQUEST_TIMEOUT,
    )


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
