"""One printed line per log event: ``<log stream> <timestamp> <message>``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple


class LogLine(NamedTuple):
    timestamp: int  # milliseconds since the epoch, as CloudWatch gives it
    stream: str
    message: str


@dataclass
class LineFormat:
    show_stream: bool = True
    show_timestamp: bool = True

    def __post_init__(self) -> None:
        self._second = -1
        self._second_text = ""

    def timestamp(self, millis: int) -> str:
        """Go's ``time.Time`` text in UTC, as the old plugin printed it.

        ``2019-11-20 23:45:24.7 +0000 UTC``: the fraction without trailing zeros, none at
        all on a whole second. Scripts written against the old plugin keep parsing it.
        """
        second, fraction = divmod(millis, 1000)
        if second != self._second:
            # Lines come in time order, so many share a second: format it once.
            self._second = second
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S")
        if fraction:
            return f"{self._second_text}.{fraction:03d}".rstrip("0") + " +0000 UTC"
        return f"{self._second_text} +0000 UTC"

    def render(self, lines: list[LogLine]) -> str:
        parts: list[str] = []
        for line in lines:
            message = line.message.rstrip("\n")
            if self.show_timestamp:
                message = f"{self.timestamp(line.timestamp)} {message}"
            if self.show_stream:
                message = f"{line.stream} {message}"
            parts.append(message)
        parts.append("")
        return "\n".join(parts)
