"""Scripted failures: which resources fail, and with what reason."""

from __future__ import annotations

import fnmatch
import zlib
from dataclasses import dataclass

DEFAULT_REASON = "AlgorithmError: scripted failure injected by the SageMaker emulator"


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


class Outcomes:
    def __init__(self) -> None:
        self._rules: list[FailureRule] = []

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
