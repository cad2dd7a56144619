"""Which resources say Synced=False, and since when, as a Prometheus series per resource.

An alert on a stuck resource needs to know the resource and how long it has been stuck;
the reconcile counters know neither. The shared informers already hold every resource's
status, so a listener keeps the few that report ``Synced=False`` (a SageMaker refusal, a
credentials error, an object in use...) and the collector serves them at scrape time. The
series count follows the resources in trouble, not all resources, and a resource that syncs
again or is deleted leaves no stale series behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from controller.cache import EventType, ObjectEvent
from controller.informer import EventListener
from controller.resources import Kind, ObjectKey

METRIC = "sagemaker_resource_not_synced_since_timestamp_seconds"
HELP = (
    "Unix time since which a resource's Synced condition has been False, one series per "
    "such resource; absent when it is True or the resource is gone."
)
SYNCED = "Synced"


def not_synced_since(obj: dict[str, Any]) -> tuple[float, str] | None:
    """(lastTransitionTime as Unix seconds, reason) when the object says Synced=False."""
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == SYNCED and condition.get("status") == "False":
            return _unix(condition.get("lastTransitionTime")), str(condition.get("reason") or "")
    return None


def _unix(stamp: Any) -> float:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0  # a condition without a readable time still counts as stuck


class NotSyncedResources(Collector):
    """Listens to the informers of the reconciled kinds; collected on each scrape."""

    def __init__(self) -> None:
        self._stuck: dict[tuple[str, ObjectKey], tuple[float, str]] = {}

    def listener_for(self, kind: Kind) -> EventListener:
        def listen(event: ObjectEvent) -> None:
            self.observe(kind, event)

        return listen

    def observe(self, kind: Kind, event: ObjectEvent) -> None:
        entry = (kind.kind, event.key)
        found = None if event.type == EventType.DELETED else not_synced_since(event.obj)
        if found is None:
            self._stuck.pop(entry, None)
        else:
            self._stuck[entry] = found

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(METRIC, HELP, labels=["kind", "namespace", "name", "reason"])
        for (kind, key), (since, reason) in sorted(self._stuck.items()):
            family.add_metric([kind, key.namespace, key.name, reason], since)
        yield family
