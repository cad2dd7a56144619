"""The CLI flags of the product contract, their old spellings, and their validation."""

from __future__ import annotations

import pytest

from controller.health import BindAddress
from controller.options import parse_options


def test_defaults() -> None:
    options = parse_options([], environ={})
    assert options.metrics_bind_address == ":8080"
    assert options.health_probe_bind_address == ":8081"
    assert options.leader_elect is False
    assert options.namespaces == ()
    assert options.sagemaker_endpoint is None
    # Sized so the default budget of 10 SageMaker calls a second is what limits.
    assert options.concurrency_for("TrainingJob") == 5
    assert options.job_poll_interval_seconds == 5
    assert options.log_format == "json"
    assert options.leader_election_identity  # hostname_uuid, unique per process


@pytest.mark.parametrize("flag", ["--metrics-bind-address", "--metrics-addr"])
def test_metrics_address_has_its_old_spelling(flag: str) -> None:
    assert parse_options([flag, ":9090"], environ={}).metrics_bind_address == ":9090"


@pytest.mark.parametrize("flag", ["--leader-elect", "--enable-leader-election"])
def test_leader_election_has_its_old_spelling(flag: str) -> None:
    assert parse_options([flag], environ={}).leader_elect is True


def test_every_contract_flag_is_parsed() -> None:
    options = parse_options(
        [
            "--metrics-bind-address", "127.0.0.1:9000",
            "--health-probe-bind-address", ":9001",
            "--leader-elect",
            "--leader-election-id", "my-lease",
            "--leader-election-namespace", "ops",
            "--namespace", "team-a, team-b",
            "--sagemaker-endpoint", "https://sagemaker.example",
            "--max-concurrent-reconciles", "3",
            "--max-concurrent-reconciles", "TrainingJob=8,Endpoint=2",
            "--job-poll-interval", "15",
            "--sagemaker-request-budget", "5",
            "--sagemaker-request-budget", "us-west-2=20",
            "--log-level", "debug",
            "--log-format", "console",
        ],
        environ={},
    )  # fmt: skip
    assert options.metrics_bind_address == "127.0.0.1:9000"
    assert options.health_probe_bind_address == ":9001"
    assert options.leader_elect
    assert options.leader_election_id == "my-lease"
    assert options.leader_election_namespace == "ops"
    assert options.namespaces == ("team-a", "team-b")
    assert options.sagemaker_endpoint == "https://sagemaker.example"
    assert options.concurrency_for("trainingjob") == 8
    assert options.concurrency_for("Endpoint") == 2
    assert options.concurrency_for("Model") == 3
    assert options.job_poll_interval_seconds == 15
    assert options.sagemaker_budget_for("us-west-2") == 20
    assert options.sagemaker_budget_for("eu-west-1") == 5
    assert options.log_level == "debug"
    assert options.log_format == "console"


def test_sagemaker_endpoint_comes_from_the_environment_unless_flagged() -> None:
    env = {"AWS_DEFAULT_SAGEMAKER_ENDPOINT": "https://from-env"}
    assert parse_options([], environ=env).sagemaker_endpoint == "https://from-env"
    flagged = parse_options(["--sagemaker-endpoint", "https://flag"], environ=env)
    assert flagged.sagemaker_endpoint == "https://flag"


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-concurrent-reconciles", "0"],
        ["--max-concurrent-reconciles", "TrainingJob=x"],
        ["--sagemaker-request-budget", "-1"],
        ["--job-poll-interval", "0"],
        ["--leader-election-renew-deadline", "20"],
        ["--log-format", "xml"],
    ],
)
def test_bad_values_are_rejected(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_options(argv, environ={})


def test_bind_addresses() -> None:
    assert BindAddress.parse(":8080") == BindAddress("0.0.0.0", 8080)
    assert BindAddress.parse("127.0.0.1:0") == BindAddress("127.0.0.1", 0)
    assert BindAddress.parse("0") is None
    with pytest.raises(ValueError, match="host"):
        BindAddress.parse("nonsense")


def test_cache_sync_timeout_defaults_to_two_minutes_and_must_be_positive() -> None:
    assert parse_options([], environ={}).cache_sync_timeout_seconds == 120.0
    flagged = parse_options(["--cache-sync-timeout", "30"], environ={})
    assert flagged.cache_sync_timeout_seconds == 30.0
    with pytest.raises(SystemExit):
        parse_options(["--cache-sync-timeout", "0"], environ={})


def test_workers_follow_the_largest_budget_within_bounds() -> None:
    assert (
        parse_options(["--sagemaker-request-budget", "100"], environ={}).concurrency_for("Model")
        == 50
    )
    assert (
        parse_options(["--sagemaker-request-budget", "2"], environ={}).concurrency_for("Model") == 4
    )
    many = parse_options(
        ["--sagemaker-request-budget", "10", "--sagemaker-request-budget", "eu-west-1=1000"],
        environ={},
    )
    assert many.concurrency_for("TrainingJob") == 64
    fixed = parse_options(["--max-concurrent-reconciles", "3"], environ={})
    assert fixed.concurrency_for("TrainingJob") == 3
