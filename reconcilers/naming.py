"""Deterministic SageMaker names, so a crash between create and status write never duplicates.

``<metadata.name>-<uid without dashes>``, the name part cut first so the whole fits the
limit; for the 32-character tuning-job limit the uid itself may have to be cut too.
Objects SageMaker cannot update get a new name per version: ``<name>-<version>-<uid>``,
where the whole uid always stays, so every object a resource ever made can be listed by it.
"""

from __future__ import annotations

import re

_ALLOWED = re.compile(r"[^a-zA-Z0-9-]")


def uid_part(uid: str) -> str:
    """The uid as every derived name carries it."""
    return uid.replace("-", "")


def _base(resource_name: str) -> str:
    # Kubernetes names may hold dots; SageMaker names may not.
    return _ALLOWED.sub("-", resource_name).strip("-") or "job"


def derived_name(resource_name: str, uid: str, limit: int) -> str:
    uid_part = uid.replace("-", "")
    base = _base(resource_name)
    if len(uid_part) + 1 >= limit:
        # Keep at least a few characters of the name so people can tell jobs apart.
        keep_name = min(len(base), max(1, limit // 4))
        uid_part = uid_part[: limit - keep_name - 1]
        return f"{base[:keep_name].rstrip('-')}-{uid_part}"
    room = limit - len(uid_part) - 1
    return f"{base[:room].rstrip('-')}-{uid_part}"


def versioned_name(resource_name: str, version: str, uid: str, limit: int = 63) -> str:
    """``<name>-<version>-<uid>``: the name part is cut first; version and uid stay whole."""
    uid_text = uid_part(uid)
    room = limit - len(uid_text) - len(version) - 2
    return f"{_base(resource_name)[:room].rstrip('-')}-{version}-{uid_text}"
