"""What the operators' own logs say: relists, watch failures, lost leadership, errors.

Every process start logs to its own file (JSON lines, structlog), so a file is one
process. Each informer lists once when it starts (a kind may have more than one informer:
TrainingJobs are watched by their own controller and by the tuning jobs'); a ``listed``
event for a kind and scope after that process logged trouble with its watch (a failure, a
410) is a relist.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class LogSummary:
    processes: int = 0
    relists: int = 0
    events: Counter[str] = field(default_factory=Counter)  # by event name
    errors: Counter[str] = field(default_factory=Counter)  # error/warning events, by name
    samples: dict[str, str] = field(default_factory=dict)  # one line per error event name


def _entries(path: Path) -> Iterable[dict[str, Any]]:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        if not line.startswith("{"):
            continue  # a traceback or a library's plain log line
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the last line of a killed process may be cut short
        if isinstance(entry, dict):
            yield entry


def summarize(logs: Iterable[Path]) -> LogSummary:
    summary = LogSummary()
    for path in logs:
        summary.processes += 1
        troubled: set[str] = set()  # kind/scope whose watch has reported a problem
        for entry in _entries(path):
            event = str(entry.get("event", ""))
            summary.events[event] += 1
            if "kind" in entry and "scope" in entry:
                scope = f"{entry['kind']}/{entry['scope']}"
                if event != "listed":
                    troubled.add(scope)
                elif scope in troubled:
                    summary.relists += 1
            if entry.get("level") in ("warning", "error", "critical"):
                summary.errors[event] += 1
                summary.samples.setdefault(event, _short(entry))
    return summary


def _short(entry: dict[str, Any]) -> str:
    keep = {k: v for k, v in entry.items() if k not in ("timestamp", "level", "reconcile_id")}
    return json.dumps(keep)[:300]
