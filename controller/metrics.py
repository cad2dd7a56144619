"""Prometheus metrics under controller-runtime's names and labels, so existing dashboards work.

Every manager owns its own ``CollectorRegistry``: several managers (or tests) can live in one
process without "duplicated timeseries" errors, and /metrics shows exactly one manager.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

# controller-runtime's buckets for reconcile time (pkg/internal/controller/metrics).
RECONCILE_TIME_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7,
    0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0,
    10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0,
)  # fmt: skip
# client-go's workqueue buckets: ExponentialBuckets(10e-9, 10, 12), 10 ns .. 1000 s.
WORKQUEUE_BUCKETS = tuple(1e-8 * 10**power for power in range(12))

RESULT_SUCCESS = "success"
RESULT_ERROR = "error"
RESULT_REQUEUE = "requeue"
RESULT_REQUEUE_AFTER = "requeue_after"


@dataclass(frozen=True)
class QueueMetrics:
    """The workqueue_* series of one queue, already labelled."""

    depth: Gauge
    adds: Counter
    queue_duration: Histogram
    work_duration: Histogram
    retries: Counter
    unfinished_work: Gauge
    longest_running: Gauge


@dataclass(frozen=True)
class ReconcileMetrics:
    """The controller_runtime_* series of one controller, already labelled."""

    controller: str
    total: Counter
    errors: Counter
    time: Histogram
    max_concurrent: Gauge
    active_workers: Gauge

    def count(self, result: str) -> None:
        self.total.labels(controller=self.controller, result=result).inc()


class Metrics:
    """All the operator's runtime metrics, in one registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.reconcile_total = Counter(
            "controller_runtime_reconcile_total",
            "Total number of reconciliations per controller",
            ["controller", "result"],
            registry=r,
        )
        self.reconcile_errors = Counter(
            "controller_runtime_reconcile_errors_total",
            "Total number of reconciliation errors per controller",
            ["controller"],
            registry=r,
        )
        self.reconcile_time = Histogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            ["controller"],
            buckets=RECONCILE_TIME_BUCKETS,
            registry=r,
        )
        self.max_concurrent = Gauge(
            "controller_runtime_max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller",
            ["controller"],
            registry=r,
        )
        self.active_workers = Gauge(
            "controller_runtime_active_workers",
            "Number of currently used workers per controller",
            ["controller"],
            registry=r,
        )
        queue_labels = ["controller", "name"]
        self.depth = Gauge(
            "workqueue_depth", "Current depth of workqueue", queue_labels, registry=r
        )
        self.adds = Counter(
            "workqueue_adds_total",
            "Total number of adds handled by workqueue",
            queue_labels,
            registry=r,
        )
        self.queue_duration = Histogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            queue_labels,
            buckets=WORKQUEUE_BUCKETS,
            registry=r,
        )
        self.work_duration = Histogram(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes",
            queue_labels,
            buckets=WORKQUEUE_BUCKETS,
            registry=r,
        )
        self.retries = Counter(
            "workqueue_retries_total",
            "Total number of retries handled by workqueue",
            queue_labels,
            registry=r,
        )
        self.unfinished_work = Gauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been "
            "observed by work_duration. Large values indicate stuck threads.",
            queue_labels,
            registry=r,
        )
        self.longest_running = Gauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running",
            queue_labels,
            registry=r,
        )
        self.leader = Gauge(
            "leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
            "backup, 1 indicates master. 'name' is the string used to identify the lease.",
            ["name"],
            registry=r,
        )

    def for_queue(
        self,
        name: str,
        *,
        unfinished_seconds: Callable[[], float],
        longest_running_seconds: Callable[[], float],
    ) -> QueueMetrics:
        """Labelled series for queue ``name``; the two gauges are computed at scrape time."""
        labels = {"controller": name, "name": name}
        unfinished = self.unfinished_work.labels(**labels)
        unfinished.set_function(unfinished_seconds)
        longest = self.longest_running.labels(**labels)
        longest.set_function(longest_running_seconds)
        return QueueMetrics(
            depth=self.depth.labels(**labels),
            adds=self.adds.labels(**labels),
            queue_duration=self.queue_duration.labels(**labels),
            work_duration=self.work_duration.labels(**labels),
            retries=self.retries.labels(**labels),
            unfinished_work=unfinished,
            longest_running=longest,
        )

    def for_controller(self, name: str) -> ReconcileMetrics:
        for result in (RESULT_SUCCESS, RESULT_ERROR, RESULT_REQUEUE, RESULT_REQUEUE_AFTER):
            # Zero-initialise every result so rate() works before the first occurrence.
            self.reconcile_total.labels(controller=name, result=result)
        self.reconcile_errors.labels(controller=name)
        return ReconcileMetrics(
            controller=name,
            total=self.reconcile_total,
            errors=self.reconcile_errors.labels(controller=name),
            time=self.reconcile_time.labels(controller=name),
            max_concurrent=self.max_concurrent.labels(controller=name),
            active_workers=self.active_workers.labels(controller=name),
        )

    def set_leader(self, lease_name: str, is_leader: bool) -> None:
        self.leader.labels(name=lease_name).set(1.0 if is_leader else 0.0)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format, as served on /metrics."""
        return generate_latest(self.registry)
