"""All emulated state: the clock, the event scheduler and per-region resources.

Names are unique per account and region, so every resource table lives in a
:class:`RegionState`; the region comes from each request's SigV4 scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sagemaker_emulator.clock import Clock
from sagemaker_emulator.log_store import LogSettings, LogStore
from sagemaker_emulator.outcomes import Outcomes
from sagemaker_emulator.scheduler import Scheduler
from sagemaker_emulator.timings import Timings

if TYPE_CHECKING:
    from sagemaker_emulator.endpoints import Endpoint
    from sagemaker_emulator.jobs import Job
    from sagemaker_emulator.tuning import TuningJob

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

TRAINING = "training-job"
PROCESSING = "processing-job"
TRANSFORM = "transform-job"


def make_arn(region: str, kind: str, name: str, service: str = "sagemaker") -> str:
    # SageMaker lowercases the name part of its ARNs.
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}/{name.lower()}"


@dataclass
class RegionState:
    name: str
    jobs: dict[str, dict[str, Job]] = field(
        default_factory=lambda: {TRAINING: {}, PROCESSING: {}, TRANSFORM: {}}
    )
    tuning_jobs: dict[str, TuningJob] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoint_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    logs: LogStore = field(default_factory=LogStore)
    # Application Auto Scaling, keyed by (namespace, resource id, dimension[, policy]).
    scalable_targets: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    scaling_policies: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)


class World:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.scheduler = Scheduler(clock)
        self.timings = Timings()
        self.outcomes = Outcomes()
        self.log_settings = LogSettings()
        self.regions: dict[str, RegionState] = {}

    def region(self, name: str) -> RegionState:
        state = self.regions.get(name)
        if state is None:
            state = self.regions[name] = RegionState(name)
        return state

    def settle(self) -> float:
        """Bring every resource up to the current emulated instant."""
        self.scheduler.run_due()
        return self.clock.now()

    def reset(self) -> None:
        self.scheduler.clear()
        self.regions.clear()
        self.outcomes = Outcomes()
        self.timings = Timings()
        self.log_settings = LogSettings()
