"""Deterministic SageMaker names, so a crash between create and status write never duplicates.

``<metadata.name>-<uid without dashes>``, the name part cut first so the whole fits the
limit; for the 32-character tuning-job limit the uid itself may have to be cut too.
"""

from __future__ import annotations

import re

_ALLOWED = re.compile(r"[^a-zA-Z0-9-]")


def derived_name(resource_name: str, uid: str, limit: int) -> str:
    uid_part = uid.replace("-", "")
    # Kubernetes names may hold dots; SageMaker names may not.
    base = _ALLOWED.sub("-", resource_name).strip("-") or "job"
    if len(uid_part) + 1 >= limit:
        # Keep at least a few characters of the name so people can tell jobs apart.
        keep_name = min(len(base), max(1, limit // 4))
        uid_part = uid_part[: limit - keep_name - 1]
        return f"{base[:keep_name].rstrip('-')}-{uid_part}"
    room = limit - len(uid_part) - 1
    return f"{base[:room].rstrip('-')}-{uid_part}"
