"""Injected faults: throttling, HTTP 500/503, added latency, dropped connections."""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from sagemaker_emulator.errors import ServiceError

FaultKind = Literal[
    "throttle",
    "http500",
    "http503",
    "access_denied",
    "expired_token",
    "unrecognized_client",
    "invalid_signature",
    "clock_skew",
    "latency",
    "drop",
    "drop_response",
]
# "drop" closes the connection before the request is handled; "drop_response" handles it
# (a create really creates) and then closes the connection: the client never hears back.
KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class Fault:
    """One injected fault.

    ``operation`` is an operation name (``DescribeTrainingJob``) or None for all.
    ``rate`` is the probability a matching request is hit. Latency is in real
    seconds: ``latency`` fixed, or uniform up to ``latency_max``, or exponential
    with mean ``latency`` when ``distribution`` is ``exponential``. ``times``
    caps how many requests the fault hits before it expires.
    """

    kind: FaultKind
    operation: str | None = None
    rate: float = 1.0
    latency: float = 0.0
    latency_max: float | None = None
    distribution: Literal["fixed", "uniform", "exponential"] = "fixed"
    times: int | None = None
    id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {list(KINDS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.latency < 0 or (self.latency_max is not None and self.latency_max < self.latency):
            raise ValueError("latency must be non-negative and latency_max >= latency")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    delay: float = 0.0
    error: ServiceError | None = None
    drop: bool = False
    drop_response: bool = False


_ERRORS: dict[str, tuple[str, str, int]] = {
    "throttle": ("ThrottlingException", "Rate exceeded", 400),
    "http500": ("InternalFailure", "We encountered an internal error. Please try again.", 500),
    "http503": ("ServiceUnavailable", "Service is unavailable. Please try again later.", 503),
    # IAM says no: what a role lacking a permission (or a policy change) gets.
    "access_denied": (
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/sagemaker-operator/session is not "
        "authorized to perform this action",
        400,
    ),
    # Credentials that stopped working: an STS session past its expiry (IRSA tokens last an
    # hour), keys AWS does not know, a signature made with the wrong secret, a clock off by
    # more than five minutes. What AWS answers for each.
    "expired_token": (
        "ExpiredTokenException",
        "The security token included in the request is expired",
        400,
    ),
    "unrecognized_client": (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        400,
    ),
    "invalid_signature": (
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method.",
        400,
    ),
    "clock_skew": (
        "InvalidSignatureException",
        "Signature expired: 20261130T040000Z is now earlier than 20261130T041000Z "
        "(20261130T042500Z - 15 min.)",
        400,
    ),
}


class FaultInjector:
    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, fault: Fault) -> int:
        fault.id = next(self._ids)
        self._faults.append(fault)
        return fault.id

    def remove(self, fault_id: int) -> bool:
        before = len(self._faults)
        self._faults = [fault for fault in self._faults if fault.id != fault_id]
        return len(self._faults) != before

    def clear(self) -> None:
        self._faults.clear()

    def faults(self) -> list[Fault]:
        return list(self._faults)

    def _delay(self, fault: Fault) -> float:
        if fault.distribution == "exponential":
            return self._rng.expovariate(1.0 / fault.latency) if fault.latency > 0 else 0.0
        if fault.distribution == "uniform" or fault.latency_max is not None:
            return self._rng.uniform(fault.latency, fault.latency_max or fault.latency)
        return fault.latency

    def decide(self, operation: str) -> Decision:
        if not self._faults:
            return Decision()
        delay, error, drop, drop_response = 0.0, None, False, False
        for fault in list(self._faults):
            if fault.operation not in (None, operation):
                continue
            if fault.kind != "latency" and (error is not None or drop or drop_response):
                continue
            if fault.rate < 1.0 and self._rng.random() >= fault.rate:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.remove(fault.id)
            if fault.kind == "latency":
                delay += self._delay(fault)
            elif fault.kind == "drop":
                drop = True
            elif fault.kind == "drop_response":
                drop_response = True
            else:
                code, message, status = _ERRORS[fault.kind]
                error = ServiceError(code, message, status)
        return Decision(delay, error, drop, drop_response)
