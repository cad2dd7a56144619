"""The command line, the line format and the kinds table, without servers."""

from __future__ import annotations

import pytest

from apis.kinds import ALL_KINDS as API_KINDS
from reconcilers.hyperparameter_tuning_job import TUNING_JOB_LABEL, TUNING_JOB_UID_LABEL
from reconcilers.kinds import STATUS_FIELDS
from sagemaker_client.clients import ENDPOINT_ENV
from smlogs import kinds
from smlogs.cli import Help, Options, parse, parse_duration
from smlogs.cloudwatch import SAGEMAKER_ENDPOINT_ENV, logs_endpoint
from smlogs.errors import UserError
from smlogs.output import LineFormat, LogLine


def test_alone_it_prints_the_old_plugins_help() -> None:
    parsed = parse([])
    assert isinstance(parsed, Help)
    assert parsed.text.startswith("View Amazon SageMaker logs via Kubernetes\n\nUsage:\n")
    assert "Aliases:\n  smlogs, SMLogs, Smlogs\n" in parsed.text
    commands = parsed.text.split("Available Commands:\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in commands] == [
        "BatchTransformJob",
        "ProcessingJob",
        "TrainingJob",
        "help",
    ]
    assert parse(["--help"]) == parsed
    assert parse(["help"]) == parsed


def test_a_command_has_its_own_help() -> None:
    parsed = parse(["trainingjob", "--help"])
    assert isinstance(parsed, Help)
    assert parsed.text.startswith("View TrainingJob logs via Kubernetes")
    assert "--log-search-prefix" in parsed.text
    assert (
        '  # Get logs for Training job named "xgboost-mnist-training" in the default namespace.\n'
        "  kubectl smlogs TrainingJob xgboost-mnist-training\n"
    ) in parsed.text
    for kind in kinds.ALL_KINDS:
        assert isinstance(parse([kind.kind, "-h"]), Help)
    assert parse(["help", "TrainingJobs"]) == parsed


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("TrainingJob", "TrainingJob"),
        ("trainingjobs", "TrainingJob"),
        ("TJ", "TrainingJob"),
        ("BatchTransformJob", "BatchTransformJob"),
        ("batchtransformjobs", "BatchTransformJob"),
        ("btj", "BatchTransformJob"),
        ("processingjob", "ProcessingJob"),
        ("PJ", "ProcessingJob"),
        ("HyperParameterTuningJob", "HyperparameterTuningJob"),
        ("hpo", "HyperparameterTuningJob"),
    ],
)
def test_kind_names_in_any_case(word: str, kind: str) -> None:
    parsed = parse([word, "x"])
    assert isinstance(parsed, Options)
    assert parsed.kind.kind == kind


def test_flags_anywhere_and_their_values() -> None:
    parsed = parse(
        ["-n", "ns", "tj", "x", "-f", "--tail", "5", "--since", "1h30m", "--timestamps=false"]
    )
    assert parsed == Options(
        kind=kinds.TRAINING_JOB,
        name="x",
        follow=True,
        tail=5,
        since=5400.0,
        timestamps=False,
        namespace="ns",
    )
    assert isinstance(parsed, Options)
    with_prefix = parse(["tj", "x", "--logSearchPrefix", "algo-2", "--timestamps"])
    assert isinstance(with_prefix, Options)
    assert with_prefix.prefix == "algo-2"
    assert with_prefix.timestamps


@pytest.mark.parametrize(
    ("text", "seconds"), [("10m", 600), ("2h", 7200), ("90s", 90), ("1d", 86400), ("1.5h", 5400)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "m", "10 minutes", "0s", "-5m", "1h-2m"])
def test_bad_durations_say_how(text: str) -> None:
    with pytest.raises(UserError, match="--since"):
        parse_duration(text)


@pytest.mark.parametrize(
    "argv",
    [["tj"], ["tj", "a", "b"], ["tj", "a", "--tail", "-1"], ["tj", "a", "--timestamps=maybe"]],
)
def test_bad_usage_is_a_user_error(argv: list[str]) -> None:
    with pytest.raises(UserError):
        parse(argv)


def test_unknown_flag_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unrecognized arguments: --bogus"):
        parse(["tj", "a", "--bogus"])


def test_timestamps_as_the_old_plugin_printed_them() -> None:
    fmt = LineFormat()
    # 2019-11-20 23:45:24.700 UTC, as in the user guide
    assert fmt.timestamp(1574293524700) == "2019-11-20 23:45:24.7 +0000 UTC"
    assert fmt.timestamp(1574293524000) == "2019-11-20 23:45:24 +0000 UTC"
    assert fmt.timestamp(1574293524012) == "2019-11-20 23:45:24.012 +0000 UTC"
    assert fmt.timestamp(1574293525120) == "2019-11-20 23:45:25.12 +0000 UTC"
    line = LogLine(1574293524700, "job/algo-1-1574293123", "Arguments: train\n")
    assert LineFormat().render([line]) == (
        "job/algo-1-1574293123 2019-11-20 23:45:24.7 +0000 UTC Arguments: train\n"
    )
    assert LineFormat(False, False).render([line]) == "Arguments: train\n"
    assert LineFormat().render([]) == ""


def test_logs_endpoint_uses_only_non_aws_addresses() -> None:
    emulator = "http://127.0.0.1:8555"
    assert logs_endpoint(emulator, {}) == emulator
    assert logs_endpoint(None, {SAGEMAKER_ENDPOINT_ENV: emulator}) == emulator
    assert logs_endpoint("https://api.sagemaker.us-west-2.amazonaws.com", {}) is None
    assert logs_endpoint(None, {}) is None
    # botocore's own override wins: it is left to botocore
    assert logs_endpoint(emulator, {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "http://x"}) is None


def test_the_kinds_table_matches_the_apis_and_the_operator() -> None:
    api = {info.kind: info for info in API_KINDS}
    for kind in kinds.ALL_KINDS:
        assert kind.plural == api[kind.kind].plural
        assert kind.short_names == api[kind.kind].short_names
        assert kind.status_field == STATUS_FIELDS[kind.kind]
        aliases = {field.alias for field in api[kind.kind].status.model_fields.values()}
        assert {kind.name_field, kind.status_field} <= aliases
    assert kinds.TUNING_JOB_LABEL == TUNING_JOB_LABEL
    assert kinds.TUNING_JOB_UID_LABEL == TUNING_JOB_UID_LABEL
    assert SAGEMAKER_ENDPOINT_ENV == ENDPOINT_ENV
