"""Every request the emulator served, with counts per operation and per resource."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

# The parameter that names the resource a request is about, in order of preference.
_RESOURCE_FIELDS = (
    "TrainingJobName",
    "HyperParameterTuningJobName",
    "ProcessingJobName",
    "TransformJobName",
    "EndpointName",
    "EndpointConfigName",
    "ModelName",
    "ResourceArn",
    "ResourceId",
    "logStreamName",
    "logGroupName",
)


def resource_of(params: dict[str, Any]) -> str | None:
    for field in _RESOURCE_FIELDS:
        value = params.get(field)
        if isinstance(value, str):
            return value
    return None


@dataclass(frozen=True)
class RequestRecord:
    at: float
    service: str
    operation: str
    resource: str | None
    status: int
    error_code: str | None
    duration_ms: float


class RequestLog:
    def __init__(self, keep: int = 100_000) -> None:
        self._recent: deque[RequestRecord] = deque(maxlen=keep)
        self.by_operation: Counter[str] = Counter()
        self.by_resource: Counter[str] = Counter()
        self.by_error: Counter[str] = Counter()
        # Requests by operation as they arrive, before faults or handling: a test can see
        # that a call was sent while the emulator is still holding it (a latency fault).
        self.arrived: Counter[str] = Counter()

    def arrive(self, operation: str) -> None:
        self.arrived[operation] += 1

    def record(self, entry: RequestRecord) -> None:
        self._recent.append(entry)
        self.by_operation[entry.operation] += 1
        if entry.resource is not None:
            self.by_resource[entry.resource] += 1
        if entry.error_code is not None:
            self.by_error[entry.error_code] += 1

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def count(self, operation: str | None = None, resource: str | None = None) -> int:
        if operation is not None and resource is None:
            return self.by_operation[operation]
        if resource is not None and operation is None:
            return self.by_resource[resource]
        return sum(
            1
            for entry in self._recent
            if (operation is None or entry.operation == operation)
            and (resource is None or entry.resource == resource)
        )

    def entries(self, limit: int | None = None) -> list[RequestRecord]:
        entries = list(self._recent)
        return entries[-limit:] if limit else entries

    def reset(self) -> None:
        self._recent.clear()
        self.by_operation.clear()
        self.by_resource.clear()
        self.by_error.clear()
        self.arrived.clear()

    def snapshot(self, limit: int = 100) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_operation": dict(self.by_operation),
            "arrived": dict(self.arrived),
            "by_resource": dict(self.by_resource),
            "by_error": dict(self.by_error),
            "recent": [asdict(entry) for entry in self.entries(limit)],
        }

    @staticmethod
    def now() -> float:
        return time.time()
