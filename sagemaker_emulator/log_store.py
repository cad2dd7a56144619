"""CloudWatch Logs groups and streams in memory; jobs append, Logs reads."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def millis(seconds: float) -> int:
    return int(seconds * 1000)


@dataclass
class LogEvent:
    timestamp: int
    message: str
    ingestion_time: int
    sequence: int


@dataclass
class LogStream:
    group: str
    name: str
    created: int
    events: list[LogEvent] = field(default_factory=list)
    # Kept beside the events so a time window is found by bisection: a reader paging
    # through a 100,000-event stream must not cost a scan of the whole stream per page.
    stamps: list[int] = field(default_factory=list)
    in_order: bool = True

    def add(self, event: LogEvent) -> None:
        if self.stamps and event.timestamp < self.stamps[-1]:
            self.in_order = False
        self.events.append(event)
        self.stamps.append(event.timestamp)

    def window(self, start: int | None, end: int | None) -> list[LogEvent]:
        """The events with ``start <= timestamp <= end``, in the order they were written."""
        if start is None and end is None:
            return self.events
        if not self.in_order:
            return [
                e
                for e in self.events
                if (start is None or e.timestamp >= start) and (end is None or e.timestamp <= end)
            ]
        low = 0 if start is None else bisect.bisect_left(self.stamps, start)
        high = len(self.stamps) if end is None else bisect.bisect_right(self.stamps, end)
        return self.events[low:high]


def instance_streams(job: str, request: dict[str, Any], at: float) -> tuple[str, ...]:
    """One stream per instance, as SageMaker names them: ``<job>/algo-<i>-<start epoch>``."""
    resources = (
        request.get("ResourceConfig")
        or request.get("TransformResources")
        or (request.get("ProcessingResources") or {}).get("ClusterConfig")
        or {}
    )
    count = max(1, int(resources.get("InstanceCount") or 1))
    return tuple(f"{job}/algo-{i}-{int(at)}" for i in range(1, count + 1))


@dataclass
class LogSettings:
    """How the emulated CloudWatch Logs pages its answers.

    ``page_limit`` caps every page below what the caller asked for, so a test can put
    page boundaries anywhere (say between two events of the same millisecond).
    """

    page_limit: int | None = None

    def cap(self, requested: int) -> int:
        return requested if self.page_limit is None else min(requested, self.page_limit)


class LogStore:
    def __init__(self) -> None:
        self.groups: dict[str, dict[str, LogStream]] = {}
        self._sequence = 0

    def stream(self, group: str, name: str, at: float) -> LogStream:
        streams = self.groups.setdefault(group, {})
        existing = streams.get(name)
        if existing is None:
            existing = streams[name] = LogStream(group, name, millis(at))
        return existing

    def append(self, group: str, stream: str, at: float, message: str) -> None:
        stamp = millis(at)
        self.put(group, stream, at, stamp, message)

    def put(self, group: str, stream: str, at: float, timestamp: int, message: str) -> None:
        """An event stamped ``timestamp`` (ms), ingested at ``at``: what PutLogEvents does."""
        self._sequence += 1
        self.stream(group, stream, at).add(LogEvent(timestamp, message, millis(at), self._sequence))

    def open(self, group: str, streams: Sequence[str], at: float) -> None:
        for name in streams:
            self.stream(group, name, at)

    def append_instances(self, group: str, streams: Sequence[str], at: float, message: str) -> None:
        """The same line from every instance of a job: instance i a millisecond after
        instance i-1, as separate machines write, so their streams interleave in time."""
        stamp = millis(at)
        for offset, name in enumerate(streams):
            self.put(group, name, at, stamp + offset, message)
