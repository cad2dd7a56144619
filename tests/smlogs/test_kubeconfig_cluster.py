"""The kubeconfig, context and namespace are found as kubectl finds them."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube
from tests.smlogs.plugin import GROUPS, Plugin
from tests.smlogs.resources import expected_lines, fabricate

JOB = "ctx-0123456789abcdef"


async def _job(kube: Kube, emulator: RunningEmulator) -> list[str]:
    now = int(time.time() * 1000)
    group = GROUPS["TrainingJob"]
    emulator.control.put_log_events(
        group, f"{JOB}/algo-1-1", [{"timestamp": now, "message": "hello"}]
    )
    status = {"sageMakerTrainingJobName": JOB, "trainingJobStatus": "Completed"}
    await fabricate(kube, "TrainingJob", "ctx", status)
    return expected_lines(emulator.control, group, f"{JOB}/")


def _with_team_context(source: str, target: Path, namespace: str) -> Path:
    """The cluster's kubeconfig plus a context "team" whose namespace is the test's."""
    kubeconfig = yaml.safe_load(Path(source).read_text())
    first = kubeconfig["contexts"][0]["context"]
    kubeconfig["contexts"].append({"name": "team", "context": {**first, "namespace": namespace}})
    target.write_text(yaml.safe_dump(kubeconfig))
    return target


async def test_kubeconfig_flag_list_and_context(
    kube: Kube, emulator: RunningEmulator, plugin: Plugin, tmp_path: Path
) -> None:
    expected = await _job(kube, emulator)
    source = plugin.env["KUBECONFIG"]
    bare = plugin.with_env(drop=("KUBECONFIG",))

    by_flag = await bare.smlogs("tj", "ctx", "-n", kube.namespace, "--kubeconfig", source)
    assert by_flag.check().stdout.splitlines() == expected

    nothing = await bare.smlogs("tj", "ctx", "-n", kube.namespace)
    assert nothing.returncode == 1
    assert "no kubeconfig found" in nothing.stderr
    assert "set KUBECONFIG or pass --kubeconfig" in nothing.stderr

    team = _with_team_context(source, tmp_path / "team.yaml", kube.namespace)
    # A KUBECONFIG list as kubectl takes it: files that do not exist are skipped.
    listed = bare.with_env(KUBECONFIG=f"{tmp_path / 'absent.yaml'}:{team}")
    by_context = await listed.smlogs("tj", "ctx", "--context", "team")
    assert by_context.check().stdout.splitlines() == expected
    assert '"ctx" has SageMaker TrainingJobName' in by_context.stderr

    # Without the context, the namespace is the current context's (none: default).
    elsewhere = await listed.smlogs("tj", "ctx")
    assert elsewhere.returncode == 1
    assert 'not found in namespace "default"' in elsewhere.stderr

    unknown = await listed.smlogs("tj", "ctx", "--context", "nope")
    assert unknown.returncode == 1
    assert 'context "nope"' in unknown.stderr
