"""A debugger training job through the operator: its rule evaluations reach status.

The status items keep the old operator's keys (`statusDetail`, `lastModifiedTime`), so
what read that operator's status reads ours.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample

RULE_IMAGE = "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"
RULES = ("VanishingGradient", "LossNotDecreasing")
OLD_KEYS = {"ruleConfigurationName", "ruleEvaluationJobArn", "ruleEvaluationStatus"}


def debugger_sample(name: str) -> dict[str, Any]:
    return sample(
        "TrainingJob",
        name,
        debugHookConfig={
            "s3OutputPath": "s3://my-bucket/xgboost/debug/",
            "collectionConfigurations": [{"collectionName": "metrics"}],
        },
        debugRuleConfigurations=[
            {
                "ruleConfigurationName": rule,
                "ruleEvaluatorImage": RULE_IMAGE,
                "ruleParameters": [{"name": "rule_to_invoke", "value": rule}],
            }
            for rule in RULES
        ],
    )


def rules(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ((obj or {}).get("status") or {}).get(
        "debugRuleEvaluationStatuses"
    ) or []
    return found


async def describe(emulator: RunningEmulator, name: str) -> dict[str, Any]:
    async with emulator.client("sagemaker") as sagemaker:
        described: dict[str, Any] = await sagemaker.describe_training_job(TrainingJobName=name)
    return described


async def test_debugger_rules_reach_no_issues_found(kube: Kube, emulator: RunningEmulator) -> None:
    await kube.create(debugger_sample("debugged"))
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status("TrainingJob", "debugged", "Completed")
    status = done["status"]
    described = await describe(emulator, status["sageMakerTrainingJobName"])
    assert [r["ruleConfigurationName"] for r in rules(done)] == list(RULES)
    for item, sagemaker in zip(rules(done), described["DebugRuleEvaluationStatuses"], strict=True):
        assert item["ruleEvaluationStatus"] == "NoIssuesFound"
        # Exactly the old operator's keys: no details without issues, no `statusDetails`.
        assert set(item) == OLD_KEYS | {"lastModifiedTime"}
        assert item["ruleEvaluationJobArn"] == sagemaker["RuleEvaluationJobArn"]
        assert item["lastModifiedTime"].startswith(
            sagemaker["LastModifiedTime"].strftime("%Y-%m-%dT%H:%M:%S")
        )
    # modelPath is SageMaker's ModelArtifacts.S3ModelArtifacts.
    assert status["modelPath"] == described["ModelArtifacts"]["S3ModelArtifacts"]
    assert "profilerRuleEvaluationStatuses" not in status


async def test_issues_found_carry_the_detail_under_the_old_key(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.rule_outcome("Vanishing*", details="RuleEvaluationConditionMet: step 300")
    await kube.create(debugger_sample("issues"))
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status("TrainingJob", "issues", "Completed")
    vanishing, loss = rules(done)
    assert vanishing["ruleEvaluationStatus"] == "IssuesFound"
    assert vanishing["statusDetail"] == "RuleEvaluationConditionMet: step 300"
    assert "statusDetails" not in vanishing
    assert loss["ruleEvaluationStatus"] == "NoIssuesFound"


async def test_rules_show_in_progress_while_the_job_trains(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.set_timings(training_training=1e6)
    await kube.create(debugger_sample("training"))
    async with running_operator(kube, emulator.url):
        training = await kube.wait_for(
            "TrainingJob",
            "training",
            lambda o: (
                len(rules(o)) == 2
                and all("ruleEvaluationJobArn" in r for r in rules(o))
                and (o or {})["status"].get("secondaryStatus") == "Training"
            ),
            what="rules in progress with their evaluation jobs",
        )
        assert training is not None
        assert {r["ruleEvaluationStatus"] for r in rules(training)} == {"InProgress"}
        assert "modelPath" not in training["status"]
        await kube.delete("TrainingJob", "training")
        await kube.wait_for("TrainingJob", "training", lambda o: o is None, what="deletion")


async def test_a_completed_job_is_polled_until_its_rules_finish(
    kube: Kube, emulator: RunningEmulator
) -> None:
    # Rule jobs go on reading the last tensors after training ends: here 300 emulated
    # seconds, two seconds of the test's clock.
    emulator.control.set_timings(rule_evaluating=300)
    await kube.create(debugger_sample("late-rules"))
    async with running_operator(kube, emulator.url) as operator:
        completed = await kube.wait_for_status("TrainingJob", "late-rules", "Completed")
        assert {r["ruleEvaluationStatus"] for r in rules(completed)} == {"InProgress"}
        done = await kube.wait_for(
            "TrainingJob",
            "late-rules",
            lambda o: {r["ruleEvaluationStatus"] for r in rules(o)} == {"NoIssuesFound"},
            what="the rules' outcome after the job completed",
        )
        assert done is not None
        name = done["status"]["sageMakerTrainingJobName"]
        emulator.control.reset_requests()
        await asyncio.sleep(operator.manager.options.job_poll_interval_seconds * 5)
    # Settled now: no more calls for it.
    assert emulator.control.requests.count(resource=name) == 0
