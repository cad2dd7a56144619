"""Debugger and profiler rule evaluations in DescribeTrainingJob, and scripting their outcome."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest_asyncio

from sagemaker_emulator.rules import evaluation_job_name
from sagemaker_emulator.testing import RunningEmulator
from tests.emulator.builders import TRAINING_SECONDS, training_job

RULE_IMAGE = "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"
# botocore's ProcessingJobArn pattern: the evaluation job is a processing job.
EVALUATION_ARN = re.compile(
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:processing-job/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
)
STARTING = 60  # the emulator's Starting phase: instances are up after it


def rule(name: str) -> dict[str, Any]:
    return {
        "RuleConfigurationName": name,
        "RuleEvaluatorImage": RULE_IMAGE,
        "RuleParameters": {"rule_to_invoke": name},
    }


def debugger_job(name: str = "train-1", **overrides: Any) -> dict[str, Any]:
    return training_job(
        name,
        DebugHookConfig={"S3OutputPath": "s3://bucket/debug/"},
        DebugRuleConfigurations=[rule("VanishingGradient"), rule("LossNotDecreasing")],
        **overrides,
    )


async def rules_of(sagemaker: Any, name: str = "train-1") -> list[dict[str, Any]]:
    described = await sagemaker.describe_training_job(TrainingJobName=name)
    statuses: list[dict[str, Any]] = described["DebugRuleEvaluationStatuses"]
    return statuses


async def test_rules_run_with_the_job_and_end_without_issues(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    await sagemaker.create_training_job(**debugger_job())
    created = await rules_of(sagemaker)
    assert [(r["RuleConfigurationName"], r["RuleEvaluationStatus"]) for r in created] == [
        ("VanishingGradient", "InProgress"),
        ("LossNotDecreasing", "InProgress"),
    ]
    # No evaluation job before the instances are up.
    assert all("RuleEvaluationJobArn" not in r for r in created)

    emulator.control.advance(STARTING)
    training = await rules_of(sagemaker)
    assert {r["RuleEvaluationStatus"] for r in training} == {"InProgress"}
    arns = [r["RuleEvaluationJobArn"] for r in training]
    assert all(EVALUATION_ARN.match(arn) for arn in arns), arns
    assert len(set(arns)) == 2
    assert training[0]["LastModifiedTime"] > created[0]["LastModifiedTime"]

    emulator.control.advance(TRAINING_SECONDS - STARTING)
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert described["TrainingJobStatus"] == "Completed"
    done = described["DebugRuleEvaluationStatuses"]
    assert [r["RuleEvaluationStatus"] for r in done] == ["NoIssuesFound", "NoIssuesFound"]
    assert [r["RuleEvaluationJobArn"] for r in done] == arns
    assert all("StatusDetails" not in r for r in done)
    assert all(r["LastModifiedTime"] == described["TrainingEndTime"] for r in done)
    # The configurations come back as they were sent, as SageMaker echoes them.
    assert [c["RuleConfigurationName"] for c in described["DebugRuleConfigurations"]] == [
        "VanishingGradient",
        "LossNotDecreasing",
    ]
    assert "ProfilerRuleEvaluationStatuses" not in described


async def test_a_scripted_rule_finds_issues(emulator: RunningEmulator, sagemaker: Any) -> None:
    emulator.control.rule_outcome("Vanishing*")
    await sagemaker.create_training_job(**debugger_job())
    emulator.control.advance(TRAINING_SECONDS)
    vanishing, loss = await rules_of(sagemaker)
    assert vanishing["RuleEvaluationStatus"] == "IssuesFound"
    assert vanishing["StatusDetails"].startswith(
        "RuleEvaluationConditionMet: Evaluation of the rule VanishingGradient at step"
    )
    assert loss["RuleEvaluationStatus"] == "NoIssuesFound"


async def test_scripted_outcomes_name_jobs_and_details(
    emulator: RunningEmulator, sagemaker: Any
) -> None:
    emulator.control.rule_outcome(
        "LossNotDecreasing", status="Error", details="ClientError: no tensors", job="other"
    )
    await sagemaker.create_training_job(**debugger_job())
    await sagemaker.create_training_job(**debugger_job("other"))
    # A rule scripted after a job was created does not change that job.
    emulator.control.rule_outcome("VanishingGradient", job="other")
    emulator.control.advance(TRAINING_SECONDS)
    assert {r["RuleEvaluationStatus"] for r in await rules_of(sagemaker)} == {"NoIssuesFound"}
    vanishing, loss = await rules_of(sagemaker, "other")
    assert vanishing["RuleEvaluationStatus"] == "NoIssuesFound"
    assert (loss["RuleEvaluationStatus"], loss["StatusDetails"]) == (
        "Error",
        "ClientError: no tensors",
    )


async def test_stopping_the_job_stops_its_rules(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_training_job(**debugger_job())
    emulator.control.advance(100)
    await sagemaker.stop_training_job(TrainingJobName="train-1")
    assert {r["RuleEvaluationStatus"] for r in await rules_of(sagemaker)} == {"Stopping"}
    emulator.control.advance(10)
    stopped = await rules_of(sagemaker)
    assert {r["RuleEvaluationStatus"] for r in stopped} == {"Stopped"}
    assert all("RuleEvaluationJobArn" in r for r in stopped)


async def test_a_failed_job_stops_its_rules(emulator: RunningEmulator, sagemaker: Any) -> None:
    emulator.control.fail("train-1")
    emulator.control.rule_outcome("*")
    await sagemaker.create_training_job(**debugger_job())
    emulator.control.advance(TRAINING_SECONDS)
    failed = await rules_of(sagemaker)
    assert {r["RuleEvaluationStatus"] for r in failed} == {"Stopped"}
    assert all("StatusDetails" not in r for r in failed)


async def test_profiler_rules_are_reported_apart(emulator: RunningEmulator, sagemaker: Any) -> None:
    await sagemaker.create_training_job(
        **training_job(
            ProfilerConfig={"S3OutputPath": "s3://bucket/profiler/"},
            ProfilerRuleConfigurations=[rule("ProfilerReport")],
        )
    )
    emulator.control.advance(TRAINING_SECONDS)
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    (report,) = described["ProfilerRuleEvaluationStatuses"]
    assert (report["RuleConfigurationName"], report["RuleEvaluationStatus"]) == (
        "ProfilerReport",
        "NoIssuesFound",
    )
    assert isinstance(report["LastModifiedTime"], datetime)
    assert "DebugRuleEvaluationStatuses" not in described


async def test_a_job_without_rules_reports_none(sagemaker: Any) -> None:
    await sagemaker.create_training_job(**training_job())
    described = await sagemaker.describe_training_job(TrainingJobName="train-1")
    assert "DebugRuleEvaluationStatuses" not in described


def test_evaluation_job_names_fit_a_processing_job_name() -> None:
    name = evaluation_job_name("a" * 62 + "-b", "Some Rule_With.Odd-Characters" * 3)
    assert len(name) <= 63
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", name)
    assert evaluation_job_name("job", "!!!").startswith("job-rule-")
    assert evaluation_job_name("job", "R") == evaluation_job_name("job", "R")


@pytest_asyncio.fixture
async def http(emulator: RunningEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(base_url=emulator.url, timeout=timeout) as session:
        yield session


async def test_rule_outcomes_over_http(
    emulator: RunningEmulator, http: aiohttp.ClientSession, sagemaker: Any
) -> None:
    body = {"rule": "LossNotDecreasing", "status": "IssuesFound", "details": "loss is flat"}
    async with http.post("/_emulator/rule-outcomes", json=body) as response:
        assert response.status == 201
        assert (await response.json())[0]["rule"] == "LossNotDecreasing"
    await sagemaker.create_training_job(**debugger_job())
    emulator.control.advance(TRAINING_SECONDS)
    _, loss = await rules_of(sagemaker)
    assert (loss["RuleEvaluationStatus"], loss["StatusDetails"]) == ("IssuesFound", "loss is flat")

    for bad in ({"status": "IssuesFound"}, {"rule": "x", "status": "Flaky"}):
        async with http.post("/_emulator/rule-outcomes", json=bad) as response:
            assert response.status == 400
            assert "error" in await response.json()
    async with http.delete("/_emulator/rule-outcomes") as response:
        assert response.status == 200
    assert emulator.control.status()["rule_outcomes"] == []


def test_reset_forgets_scripted_rule_outcomes(emulator: RunningEmulator) -> None:
    emulator.control.rule_outcome("*", status="Error")
    emulator.control.fail("job-*")
    emulator.control.clear_failures()
    # Clearing failures leaves rule outcomes; a reset forgets them.
    assert [o["status"] for o in emulator.control.status()["rule_outcomes"]] == ["Error"]
    emulator.control.reset()
    assert emulator.control.status()["rule_outcomes"] == []
