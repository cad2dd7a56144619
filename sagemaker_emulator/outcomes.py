"""Scripted outcomes: which resources fail and why, and how debugger rule evaluations end."""

from __future__ import annotations

import fnmatch
import zlib
from dataclasses import dataclass

DEFAULT_REASON = "AlgorithmError: scripted failure injected by the SageMaker emulator"

# How a rule evaluation job can end on its own (Stopping and Stopped follow its training job).
RULE_OUTCOMES = ("NoIssuesFound", "IssuesFound", "Error")


@dataclass(frozen=True)
class FailureRule:
    """Fails resources whose name matches ``pattern`` (shell-style), or a fraction of all.

    ``kind`` limits the rule to one resource kind (``training-job``, ``endpoint``, ...).
    The fraction is decided by hashing the name, so the same names fail on every run.
    """

    reason: str = DEFAULT_REASON
    pattern: str | None = None
    fraction: float = 0.0
    kind: str | None = None

    def matches(self, kind: str, name: str) -> bool:
        if self.kind is not None and self.kind != kind:
            return False
        if self.pattern is not None:
            return fnmatch.fnmatchcase(name, self.pattern)
        bucket = zlib.crc32(f"{kind}/{name}".encode()) / 0xFFFFFFFF
        return bucket < self.fraction


@dataclass(frozen=True)
class RuleOutcome:
    """Ends rule evaluations whose configuration name matches ``rule`` (shell-style).

    ``status`` is what they report once their training job completes; ``job`` limits the
    rule to training jobs whose name matches it; ``details`` is the StatusDetails text
    (a default in SageMaker's wording when absent).
    """

    rule: str
    status: str = "IssuesFound"
    details: str | None = None
    job: str | None = None

    def matches(self, job: str, rule: str) -> bool:
        if self.job is not None and not fnmatch.fnmatchcase(job, self.job):
            return False
        return fnmatch.fnmatchcase(rule, self.rule)


class Outcomes:
    def __init__(self) -> None:
        self._rules: list[FailureRule] = []
        self._rule_outcomes: list[RuleOutcome] = []

    def add(self, rule: FailureRule) -> None:
        if not 0.0 <= rule.fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        self._rules.append(rule)

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FailureRule]:
        return list(self._rules)

    def failure_for(self, kind: str, name: str) -> str | None:
        """The failure reason scripted for this resource, if any."""
        for rule in self._rules:
            if rule.matches(kind, name):
                return rule.reason
        return None

    def add_rule_outcome(self, outcome: RuleOutcome) -> None:
        if outcome.status not in RULE_OUTCOMES:
            raise ValueError(f"status must be one of {', '.join(RULE_OUTCOMES)}")
        self._rule_outcomes.append(outcome)

    def clear_rule_outcomes(self) -> None:
        self._rule_outcomes.clear()

    def rule_outcomes(self) -> list[RuleOutcome]:
        return list(self._rule_outcomes)

    def rule_outcome_for(self, job: str, rule: str) -> RuleOutcome | None:
        """The outcome scripted for one rule of one training job, if any (first match)."""
        for outcome in self._rule_outcomes:
            if outcome.matches(job, rule):
                return outcome
        return None
