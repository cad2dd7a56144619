"""The in-process control surface: time, phase durations, outcomes, faults, request log."""

from __future__ import annotations

from typing import Any

import structlog

from sagemaker_emulator.faults import Fault, FaultInjector, FaultKind
from sagemaker_emulator.outcomes import DEFAULT_REASON, FailureRule, RuleOutcome
from sagemaker_emulator.request_log import RequestLog
from sagemaker_emulator.state import DEFAULT_REGION, World

log = structlog.get_logger(__name__)


class EmulatorControl:
    def __init__(self, world: World, faults: FaultInjector, requests: RequestLog) -> None:
        self._world = world
        self._faults = faults
        self.requests = requests

    # Time
    def now(self) -> float:
        return self._world.clock.now()

    @property
    def time_scale(self) -> float:
        return self._world.clock.time_scale

    def set_time_scale(self, time_scale: float) -> None:
        self._world.settle()
        self._world.clock.set_time_scale(time_scale)

    def set_manual_clock(self, manual: bool) -> None:
        self._world.settle()
        self._world.clock.set_manual(manual)

    def advance(self, seconds: float) -> None:
        """Move emulated time forward and apply everything that became due."""
        self._world.clock.advance(seconds)
        self._world.settle()

    def set_timings(self, **durations: float) -> None:
        self._world.timings.update(durations)

    # Scripted outcomes
    def fail(self, name: str, reason: str = DEFAULT_REASON, kind: str | None = None) -> None:
        """Make resources named ``name`` (shell wildcards allowed) fail with ``reason``."""
        self._world.outcomes.add(FailureRule(reason=reason, pattern=name, kind=kind))

    def fail_fraction(
        self, fraction: float, reason: str = DEFAULT_REASON, kind: str | None = None
    ) -> None:
        self._world.outcomes.add(FailureRule(reason=reason, fraction=fraction, kind=kind))

    def clear_failures(self) -> None:
        self._world.outcomes.clear()

    def rule_outcome(
        self,
        rule: str,
        status: str = "IssuesFound",
        details: str | None = None,
        job: str | None = None,
    ) -> None:
        """Make debugger/profiler rules named ``rule`` (wildcards allowed) end ``status``.

        ``status`` is IssuesFound, Error or NoIssuesFound, reported once the training job
        completes; ``job`` limits it to training jobs of that name (wildcards allowed).
        Like a scripted failure, it applies to jobs created after it.
        """
        outcome = RuleOutcome(rule=rule, status=status, details=details, job=job)
        self._world.outcomes.add_rule_outcome(outcome)

    def clear_rule_outcomes(self) -> None:
        self._world.outcomes.clear_rule_outcomes()

    # Faults
    def inject(
        self,
        kind: FaultKind,
        operation: str | None = None,
        rate: float = 1.0,
        latency: float = 0.0,
        latency_max: float | None = None,
        distribution: str = "fixed",
        times: int | None = None,
    ) -> int:
        fault = Fault(
            kind=kind,
            operation=operation,
            rate=rate,
            latency=latency,
            latency_max=latency_max,
            distribution=distribution,  # type: ignore[arg-type]
            times=times,
        )
        fault_id = self._faults.add(fault)
        log.info("emulator.fault_injected", **fault.as_dict())
        return fault_id

    def remove_fault(self, fault_id: int) -> bool:
        return self._faults.remove(fault_id)

    def clear_faults(self) -> None:
        self._faults.clear()

    # CloudWatch Logs
    def set_log_page_limit(self, limit: int | None) -> None:
        """Cap every CloudWatch Logs page at ``limit`` items (None: the caller's limit)."""
        if limit is not None and limit < 1:
            raise ValueError("page_limit must be at least 1, or null for no cap")
        self._world.log_settings.page_limit = limit

    def put_log_events(
        self, group: str, stream: str, events: list[dict[str, Any]], region: str = DEFAULT_REGION
    ) -> None:
        """Append events (``timestamp`` in ms, ``message``) to a stream, as PutLogEvents does.

        Timestamps are the caller's, so a test can write many events of one millisecond.
        """
        store = self._world.region(region).logs
        now = self._world.settle()
        for event in events:
            store.put(group, stream, now, int(event["timestamp"]), str(event["message"]))

    def log_events(
        self, group: str, prefix: str = "", region: str = DEFAULT_REGION
    ) -> list[dict[str, Any]]:
        """Every stored event of the group's streams named ``prefix...``, stream by stream."""
        self._world.settle()
        streams = self._world.region(region).logs.groups.get(group, {})
        return [
            {"stream": name, "timestamp": event.timestamp, "message": event.message}
            for name, stream in sorted(streams.items())
            if name.startswith(prefix)
            for event in stream.events
        ]

    # Request log and reset
    def reset_requests(self) -> None:
        self.requests.reset()

    def reset(self) -> None:
        """Forget every resource, rule, fault and logged request; keep the clock."""
        self._world.reset()
        self._faults.clear()
        self.requests.reset()

    def status(self) -> dict[str, Any]:
        clock = self._world.clock
        return {
            "now": clock.now(),
            "time_scale": clock.time_scale,
            "manual_clock": clock.manual,
            "timings": self._world.timings.as_dict(),
            "failures": [vars(rule) for rule in self._world.outcomes.rules()],
            "rule_outcomes": [vars(outcome) for outcome in self._world.outcomes.rule_outcomes()],
            "faults": [fault.as_dict() for fault in self._faults.faults()],
            "log_page_limit": self._world.log_settings.page_limit,
            "pending_events": len(self._world.scheduler),
            "requests": self.requests.total,
        }
