"""CloudWatch Logs groups and streams in memory; jobs append, Logs reads."""

from __future__ import annotations

from dataclasses import dataclass, field


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
        self._sequence += 1
        stamp = millis(at)
        self.stream(group, stream, at).events.append(
            LogEvent(stamp, message, stamp, self._sequence)
        )
