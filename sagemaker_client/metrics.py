"""SageMaker request counts and latencies by operation and outcome."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

OUTCOME_SUCCESS = "success"
OUTCOME_TERMINAL = "terminal_error"
OUTCOME_TRANSIENT = "transient_error"
OUTCOME_CREDENTIALS = "credentials_error"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class SageMakerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.requests = Counter(
            "sagemaker_api_requests_total",
            "SageMaker API requests by operation and outcome.",
            ["operation", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "sagemaker_api_request_duration_seconds",
            "SageMaker API request latency by operation (the call alone, not the budget wait).",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.budget_wait = Histogram(
            "sagemaker_api_budget_wait_seconds",
            "Time a request waited for the per-region request budget.",
            ["region"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
