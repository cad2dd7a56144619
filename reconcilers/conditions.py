"""Standard status conditions (metav1.Condition), with stable lastTransitionTime."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconcilers.kube import now_rfc3339

TRUE, FALSE = "True", "False"


def condition(
    type_: str, status: str, reason: str, message: str, generation: int | None
) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
    }


def merge_conditions(
    current: Sequence[Mapping[str, Any]] | None, wanted: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``wanted`` conditions, keeping each one's lastTransitionTime while its status holds."""
    previous = {c.get("type"): c for c in current or ()}
    merged: list[dict[str, Any]] = []
    for new in wanted:
        old = previous.get(new["type"])
        stamp = (
            old.get("lastTransitionTime")
            if old is not None and old.get("status") == new["status"]
            else None
        )
        merged.append({**new, "lastTransitionTime": stamp or now_rfc3339()})
    return merged
