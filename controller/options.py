"""The manager's command-line flags (product contract, "Manager"), old spellings as aliases."""

from __future__ import annotations

import argparse
import math
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from controller.logs import LEVELS, LogFormat

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
SAGEMAKER_ENDPOINT_ENV = "AWS_DEFAULT_SAGEMAKER_ENDPOINT"
DEFAULT_JOB_POLL_INTERVAL = 5.0
# A reconcile that spends one SageMaker call also waits on a few apiserver round trips
# (status, finalizer, Event): about this long, so a worker keeps ~1/it calls a second going.
_RECONCILE_SECONDS = 0.5
_MIN_WORKERS, _MAX_WORKERS = 4, 64


def workers_for_budget(requests_per_second: float) -> int:
    """Workers per kind so that the SageMaker budget, not the workers, bounds throughput."""
    wanted = math.ceil(requests_per_second * _RECONCILE_SECONDS)
    return max(_MIN_WORKERS, min(_MAX_WORKERS, wanted))


def _own_namespace() -> str:
    """The pod's namespace in a cluster, else "default" (for a leader-election Lease)."""
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or "default"
    except OSError:
        return "default"


@dataclass(frozen=True)
class ManagerOptions:
    metrics_bind_address: str = ":8080"
    health_probe_bind_address: str = ":8081"
    leader_elect: bool = False
    leader_election_id: str = "sagemaker-k8s-operator"
    leader_election_namespace: str = "default"
    leader_election_identity: str = ""
    lease_duration_seconds: float = 15.0
    renew_deadline_seconds: float = 10.0
    retry_period_seconds: float = 2.0
    namespaces: tuple[str, ...] = ()  # empty: all namespaces
    sagemaker_endpoint: str | None = None
    # URL patterns a resource's spec.sageMakerEndpoint may name (fnmatch; the
    # --sagemaker-endpoint value is always allowed). Empty: AWS's own endpoints only.
    sagemaker_endpoint_allow: tuple[str, ...] = ()
    # None: sized from the SageMaker budget (see ``workers_for_budget``).
    default_concurrency: int | None = None
    concurrency_per_kind: Mapping[str, int] = field(default_factory=dict)
    # Polls cost a List per kind and region, not a Describe per job (reconcilers/
    # change_feed.py), so they can be frequent: a change reaches status within ~10 s.
    job_poll_interval_seconds: float = DEFAULT_JOB_POLL_INTERVAL
    # How long a watch lasts before the server ends it; silence beyond it (plus a grace)
    # means a dead connection (see controller/informer.py).
    watch_timeout_seconds: int = 60
    drift_check_interval_seconds: float = 600.0
    default_sagemaker_requests_per_second: float = 10.0
    sagemaker_requests_per_second_per_region: Mapping[str, float] = field(default_factory=dict)
    graceful_shutdown_timeout_seconds: float = 30.0
    # controller-runtime's CacheSyncTimeout: a leader whose caches cannot sync (403, 404)
    # exits after this instead of holding the Lease and doing nothing.
    cache_sync_timeout_seconds: float = 120.0
    # client-go caps a failing key's backoff at 1000 s; a SageMaker hiccup should not park a
    # job for a quarter of an hour, so the cap here is five minutes.
    max_retry_backoff_seconds: float = 300.0
    kubeconfig: str | None = None
    log_level: str = "info"
    log_format: LogFormat = "json"

    def concurrency_for(self, kind: str) -> int:
        found = self.concurrency_per_kind.get(kind.lower(), self.default_concurrency)
        if found is not None:
            return found
        budgets = [
            self.default_sagemaker_requests_per_second,
            *self.sagemaker_requests_per_second_per_region.values(),
        ]
        return workers_for_budget(max(budgets))

    def sagemaker_budget_for(self, region: str) -> float:
        return self.sagemaker_requests_per_second_per_region.get(
            region, self.default_sagemaker_requests_per_second
        )


def _split_assignments(values: Sequence[str], flag: str) -> tuple[str | None, dict[str, str]]:
    """``N`` sets the default, ``NAME=N`` one entry; the flag may repeat or use commas."""
    default: str | None = None
    named: dict[str, str] = {}
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            name, sep, number = part.partition("=")
            if sep:
                if not name:
                    raise argparse.ArgumentTypeError(f"{flag}: missing name in {part!r}")
                named[name.strip()] = number.strip()
            else:
                default = part
    return default, named


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sagemaker-operator",
        description="Run the SageMaker operator's controllers.",
        allow_abbrev=False,
    )
    add = parser.add_argument
    add(
        "--metrics-bind-address",
        "--metrics-addr",
        dest="metrics_bind_address",
        default=":8080",
        help="address for /metrics; 0 disables (default :8080)",
    )
    add(
        "--health-probe-bind-address",
        dest="health_probe_bind_address",
        default=":8081",
        help="address for /healthz and /readyz; 0 disables (default :8081)",
    )
    add(
        "--leader-elect",
        "--enable-leader-election",
        dest="leader_elect",
        action="store_true",
        help="elect a leader on a Lease so only one replica reconciles",
    )
    add(
        "--leader-election-id",
        default="sagemaker-k8s-operator",
        help="name of the Lease used for leader election",
    )
    add(
        "--leader-election-namespace",
        default=None,
        help="namespace of the Lease (default: the pod's namespace, else 'default')",
    )
    add(
        "--leader-election-identity",
        default=None,
        help="this replica's identity on the Lease (default: hostname_uuid)",
    )
    add("--leader-election-lease-duration", type=float, default=15.0, metavar="SECONDS")
    add("--leader-election-renew-deadline", type=float, default=10.0, metavar="SECONDS")
    add("--leader-election-retry-period", type=float, default=2.0, metavar="SECONDS")
    add(
        "--namespace",
        dest="namespace",
        default="",
        help="namespace to watch, or a comma list; empty watches all namespaces",
    )
    add(
        "--sagemaker-endpoint",
        default=None,
        help=f"SageMaker API endpoint override (also ${SAGEMAKER_ENDPOINT_ENV})",
    )
    add(
        "--sagemaker-endpoint-allow",
        dest="sagemaker_endpoint_allow",
        action="append",
        default=[],
        metavar="PATTERN",
        help="URL patterns a resource's spec.sageMakerEndpoint may name, e.g. "
        "'https://vpce-*.sagemaker.us-west-2.vpce.amazonaws.com' (repeatable, comma lists; "
        "default: https://*.amazonaws.com and https://*.amazonaws.com.cn; the "
        "--sagemaker-endpoint value is always allowed)",
    )
    add(
        "--max-concurrent-reconciles",
        dest="concurrency",
        action="append",
        default=[],
        metavar="[KIND=]N",
        help="concurrent reconciles: N for every kind, KIND=N for one (repeatable; default: "
        "half the SageMaker request budget, 4 to 64, so the budget is what limits)",
    )
    add(
        "--job-poll-interval",
        dest="job_poll_interval",
        type=float,
        default=DEFAULT_JOB_POLL_INTERVAL,
        metavar="SECONDS",
        help="how often something SageMaker is still changing (a running job, a Creating "
        f"endpoint) is polled (default {DEFAULT_JOB_POLL_INTERVAL:g}; a running job costs "
        "a Describe only when a List says it changed)",
    )
    add(
        "--watch-timeout",
        dest="watch_timeout",
        type=int,
        default=60,
        metavar="SECONDS",
        help="how long each watch lasts; a watch silent 30 s longer is treated as a dead "
        "connection and reopened (default 60)",
    )
    add(
        "--drift-check-interval",
        dest="drift_check_interval",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how often a settled endpoint, model or scaling policy is checked for changes "
        "made outside the operator (default 600)",
    )
    add(
        "--sagemaker-request-budget",
        dest="sagemaker_budget",
        action="append",
        default=[],
        metavar="[REGION=]QPS",
        help="SageMaker requests per second: QPS for every region, REGION=QPS for one",
    )
    add(
        "--graceful-shutdown-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long in-flight reconciles may run after SIGTERM",
    )
    add(
        "--cache-sync-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long a leader waits for its caches to sync before it exits with an error "
        "naming the kind (default 120)",
    )
    add(
        "--max-retry-backoff",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="longest wait before a failing object is retried (exponential backoff cap)",
    )
    add("--kubeconfig", default=None, help="kubeconfig path (default: in-cluster or $KUBECONFIG)")
    add("--log-level", choices=LEVELS, default="info")
    add("--log-format", choices=("json", "console"), default="json")
    return parser  # fmt: skip


def parse_options(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> ManagerOptions:
    environ = os.environ if environ is None else environ
    parser = build_parser()
    args = parser.parse_args(argv)

    default_concurrency, per_kind = _split_assignments(
        args.concurrency, "--max-concurrent-reconciles"
    )
    default_budget, per_region = _split_assignments(
        args.sagemaker_budget, "--sagemaker-request-budget"
    )
    try:
        concurrency = {kind.lower(): int(n) for kind, n in per_kind.items()}
        budgets = {region: float(qps) for region, qps in per_region.items()}
        default_workers = int(default_concurrency) if default_concurrency else None
        default_qps = float(default_budget) if default_budget else 10.0
    except ValueError as error:
        parser.error(str(error))
    if (default_workers is not None and default_workers < 1) or any(
        n < 1 for n in concurrency.values()
    ):
        parser.error("--max-concurrent-reconciles must be at least 1")
    if default_qps <= 0 or any(q <= 0 for q in budgets.values()):
        parser.error("--sagemaker-request-budget must be positive")
    if args.job_poll_interval <= 0:
        parser.error("--job-poll-interval must be positive")
    if args.watch_timeout < 1:
        parser.error("--watch-timeout must be at least 1 second")
    if args.drift_check_interval <= 0:
        parser.error("--drift-check-interval must be positive")
    if args.cache_sync_timeout <= 0:
        parser.error("--cache-sync-timeout must be positive")
    if args.graceful_shutdown_timeout < 0:
        parser.error("--graceful-shutdown-timeout must not be negative")
    lease, renew, retry = (
        args.leader_election_lease_duration,
        args.leader_election_renew_deadline,
        args.leader_election_retry_period,
    )
    if not lease > renew > retry > 0:
        parser.error("need lease duration > renew deadline > retry period > 0")

    return ManagerOptions(
        metrics_bind_address=args.metrics_bind_address,
        health_probe_bind_address=args.health_probe_bind_address,
        leader_elect=args.leader_elect,
        leader_election_id=args.leader_election_id,
        leader_election_namespace=args.leader_election_namespace or _own_namespace(),
        leader_election_identity=args.leader_election_identity
        or f"{socket.gethostname()}_{uuid.uuid4()}",
        lease_duration_seconds=lease,
        renew_deadline_seconds=renew,
        retry_period_seconds=retry,
        namespaces=tuple(n.strip() for n in args.namespace.split(",") if n.strip()),
        sagemaker_endpoint=args.sagemaker_endpoint or environ.get(SAGEMAKER_ENDPOINT_ENV) or None,
        sagemaker_endpoint_allow=tuple(
            p.strip()
            for value in args.sagemaker_endpoint_allow
            for p in value.split(",")
            if p.strip()
        ),
        default_concurrency=default_workers,
        concurrency_per_kind=concurrency,
        job_poll_interval_seconds=args.job_poll_interval,
        drift_check_interval_seconds=args.drift_check_interval,
        watch_timeout_seconds=args.watch_timeout,
        default_sagemaker_requests_per_second=default_qps,
        sagemaker_requests_per_second_per_region=budgets,
        graceful_shutdown_timeout_seconds=args.graceful_shutdown_timeout,
        cache_sync_timeout_seconds=args.cache_sync_timeout,
        max_retry_backoff_seconds=args.max_retry_backoff,
        kubeconfig=args.kubeconfig,
        log_level=args.log_level,
        log_format=args.log_format,
    )
