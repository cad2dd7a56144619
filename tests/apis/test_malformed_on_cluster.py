"""Malformed manifests are refused by the real apiserver, naming the field at fault."""

from __future__ import annotations

import copy

import pytest
import pytest_asyncio
import yaml

from local_cluster import ControlPlane
from tests.apis.malformed import MALFORMED, Mutation
from tests.apis.samples import PROJECT_SAMPLES, load
from tests.tools import fresh_namespace, kubectl

pytestmark = pytest.mark.cluster


@pytest_asyncio.fixture(loop_scope="session")
async def namespace(sagemaker_crds: ControlPlane) -> str:
    return await fresh_namespace(sagemaker_crds, "malformed")


@pytest.mark.parametrize(("sample", "mutate", "field"), MALFORMED)
async def test_malformed_manifest_is_refused_naming_the_field(
    sagemaker_crds: ControlPlane, namespace: str, sample: str, mutate: Mutation, field: str
) -> None:
    document = copy.deepcopy(load(PROJECT_SAMPLES / f"{sample}.yaml"))
    mutate(document["spec"])
    ran = await kubectl(
        sagemaker_crds,
        "create",
        "--dry-run=server",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=yaml.safe_dump(document),
    )
    assert ran.returncode != 0, f"accepted: {document['spec']}"
    assert field in ran.stderr, ran.stderr


def test_there_are_at_least_thirty_malformed_cases() -> None:
    assert len(MALFORMED) >= 30


async def test_manifest_without_spec_is_refused(
    sagemaker_crds: ControlPlane, namespace: str
) -> None:
    document = {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "TrainingJob",
        "metadata": {"name": "no-spec"},
    }
    ran = await kubectl(
        sagemaker_crds,
        "create",
        "--dry-run=server",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=yaml.safe_dump(document),
    )
    assert ran.returncode != 0
    assert "spec: Required value" in ran.stderr
