"""How long each phase lasts, in emulated seconds (scaled by the clock)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Timings:
    training_starting: float = 60.0
    training_downloading: float = 30.0
    training_training: float = 120.0
    training_uploading: float = 20.0
    processing_starting: float = 60.0
    processing_running: float = 120.0
    transform_starting: float = 60.0
    transform_running: float = 120.0
    job_stopping: float = 10.0
    endpoint_creating: float = 240.0
    endpoint_updating: float = 180.0
    endpoint_deleting: float = 30.0
    weights_updating: float = 30.0
    log_interval: float = 10.0
    # How long debugger and profiler rules go on evaluating after their job completed.
    rule_evaluating: float = 0.0

    def update(self, changes: dict[str, Any]) -> None:
        known = {f.name for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown phase duration {name!r}; known: {sorted(known)}")
            if float(value) < 0:
                raise ValueError(f"{name} must not be negative")
            setattr(self, name, float(value))

    def as_dict(self) -> dict[str, float]:
        return asdict(self)
