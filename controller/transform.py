"""What the informers drop from every object before caching it: what no reconciler reads.

``metadata.managedFields`` (server-side apply's field ownership, often larger than the
spec) and kubectl's ``last-applied-configuration`` annotation (a second copy of the spec as
applied) are, together, most of a typical object's size; the operator reads neither. The
reconcilers write status by merge patch and finalizers with the object's resourceVersion,
so nothing they send is built from the fields dropped here.
"""

from __future__ import annotations

from controller.resources import KubeObject

LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"


def strip_unread(obj: KubeObject) -> KubeObject:
    """``obj`` without managedFields and the last-applied annotation (edited in place)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED_ANNOTATION in annotations:
            del annotations[LAST_APPLIED_ANNOTATION]
            if not annotations:
                del meta["annotations"]
    return obj
