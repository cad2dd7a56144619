"""Deterministic SageMaker names, so a crash between create and status write never duplicates.

A resource's SageMaker name is derived exactly as AWS's old operator derived it
(``GetGeneratedJobName``): ``<metadata.name>-<uid without dashes>``, the name part cut
first so the whole fits the limit, and when nothing of it is left, the uid cut to the limit.
With a 63-character limit that keeps up to 30 characters of the name; a tuning job's
32-character limit leaves the uid's first 32 hex characters alone. One derivation for both
operators lets a user upgrade in place: ours finds the old operator's jobs under the names
it gave them. Only dots, which Kubernetes names allow and SageMaker's do not (so the old
operator's create would have failed), become dashes.

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
    return _ALLOWED.sub("-", resource_name)


def generated_name(required: str, optional: str, limit: int) -> str:
    """``<optional>-<required>`` within ``limit``: ``optional`` is cut first (keeping at
    least one character when that fits), then ``required`` (the old operator's rule)."""
    name = f"{optional}-{required}"
    excess = len(name) - limit
    if excess <= 0:
        return name
    if excess < len(optional):
        return f"{optional[: len(optional) - excess]}-{required}"
    return required[:limit]


def derived_name(resource_name: str, uid: str, limit: int) -> str:
    return generated_name(uid_part(uid), _base(resource_name), limit)


def versioned_name(resource_name: str, version: str, uid: str, limit: int = 63) -> str:
    """``<name>-<version>-<uid>``: the name part is cut first; version and uid stay whole."""
    return generated_name(f"{version}-{uid_part(uid)}", _base(resource_name), limit)
