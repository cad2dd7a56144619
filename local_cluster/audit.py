"""Read the local apiserver's audit log (``ControlPlane(audit=True)``)."""

from __future__ import annotations

import json
from pathlib import Path


def status_writes(
    audit_log: Path, resource: str, namespace: str | None = None, name: str | None = None
) -> int:
    """Completed patches and updates of ``resource``'s status subresource."""
    count = 0
    for line in audit_log.read_text().splitlines():
        entry = json.loads(line)
        ref = entry.get("objectRef") or {}
        if (
            ref.get("resource") == resource
            and ref.get("subresource") == "status"
            and entry.get("verb") in ("patch", "update")
            and entry.get("stage") == "ResponseComplete"
            and (namespace is None or ref.get("namespace") == namespace)
            and (name is None or ref.get("name") == name)
        ):
            count += 1
    return count
