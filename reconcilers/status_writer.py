"""Status writes every kind shares: a merge patch only when something changed, conditions
that keep their lastTransitionTime while they hold, and errors reported once, not per retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller.kube_client import KubeError
from controller.resources import KubeObject
from reconcilers.conditions import FALSE, condition, merge_conditions
from reconcilers.kube import KubeWriter, metadata, now_rfc3339, status_patch

# (type, status, reason, message) of one condition a write wants.
Wanted = tuple[str, str, str, str]
SYNCED = "Synced"


def reason_of(text: str) -> str:
    """A condition reason (CamelCase, letters first) made from an error code or a status."""
    cleaned = "".join(ch for ch in text if ch.isalnum() or ch == "_")
    return cleaned[:1].upper() + cleaned[1:] if cleaned and cleaned[0].isalpha() else "Error"


def conditions_of(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("type")): c for c in status.get("conditions") or []}


def kept(status: Mapping[str, Any], types: tuple[str, ...]) -> list[Wanted]:
    """The current conditions of ``types``, unchanged (an error says nothing new of them)."""
    found = conditions_of(status)
    return [
        (t, str(c.get("status")), str(c.get("reason")), str(c.get("message")))
        for t in types
        if (c := found.get(t))
    ]


class StatusWriter:
    """Writes one kind's status subresource."""

    def __init__(self, kube: KubeWriter) -> None:
        self.kube = kube

    async def write(
        self,
        obj: KubeObject,
        current: Mapping[str, Any],
        desired: dict[str, Any],
        wanted: list[Wanted],
        *,
        observed_generation: int | None = None,
        generation_is_current: bool = True,
    ) -> bool:
        """Merge-patch ``desired`` (its conditions replaced by ``wanted``) if it differs from
        ``current``; True when something was written.

        ``status.observedGeneration`` is the resource's generation unless the caller says
        the status still describes an earlier one (``generation_is_current=False``).
        """
        generation = metadata(obj).get("generation")
        desired["observedGeneration"] = generation if generation_is_current else observed_generation
        if desired["observedGeneration"] is None:
            desired.pop("observedGeneration")
        desired["conditions"] = merge_conditions(
            current.get("conditions"),
            [condition(t, s, r, m, generation) for t, s, r, m in wanted],
        )
        if "lastCheckTime" in current:
            desired.setdefault("lastCheckTime", current["lastCheckTime"])
        patch = status_patch(current, desired)
        if not patch:
            return False  # nothing changed: no write
        patch["lastCheckTime"] = now_rfc3339()
        try:
            await self.kube.patch_status(obj, patch)
        except KubeError as error:
            if error.status == 404:
                return False
            raise
        return True

    @staticmethod
    def synced_false(current: Mapping[str, Any], code: str, message: str) -> tuple[Wanted, bool]:
        """The Synced=False condition for an error, and whether the error is new.

        The reason, not the message, decides whether it is new: messages carry request ids,
        and a retried error must neither rewrite the status nor record another Event.
        """
        synced = conditions_of(current).get(SYNCED) or {}
        reason = reason_of(code)
        same = synced.get("status") == FALSE and synced.get("reason") == reason
        shown = str(synced.get("message")) if same else message
        return (SYNCED, FALSE, reason, shown), not same
