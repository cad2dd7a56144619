"""The Helm paths of the user guide: the installer chart, then the job charts, each
installed from its own values with only the image and the endpoint changed, and
`helm uninstall` leaving nothing behind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from e2e.conftest import E2E, IMAGE, REPO
from e2e.install import DEPLOYMENT, SYSTEM_NAMESPACE, post_renderer, wait_available, wait_for_status
from sagemaker_emulator.testing import make_client

pytestmark = pytest.mark.asyncio(loop_scope="session")

CHARTS = REPO / "helm"
RELEASE = "sagemaker-operator"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def operator_chart(e2e: E2E) -> AsyncIterator[E2E]:
    repository, tag = IMAGE.rsplit(":", 1)
    await e2e.helm(
        "install", RELEASE, str(CHARTS / "installer"),
        "--namespace", SYSTEM_NAMESPACE, "--create-namespace",
        "--set", f"image.repository={repository}", "--set", f"image.tag={tag}",
        "--set", f"sageMakerEndpoint={e2e.emulator_url}",
        "--post-renderer", str(post_renderer(e2e)),
        "--wait", "--timeout", "150s",
    )  # fmt: skip
    yield e2e
    await e2e.helm("uninstall", RELEASE, "--namespace", SYSTEM_NAMESPACE, check=False)


async def test_installer_chart_runs_the_operator(operator_chart: E2E) -> None:
    await wait_available(operator_chart, SYSTEM_NAMESPACE, DEPLOYMENT)
    listed = await operator_chart.helm("ls", "--namespace", SYSTEM_NAMESPACE)
    (row,) = [line for line in listed.splitlines() if line.startswith(RELEASE)]
    assert "deployed" in row, listed


@pytest.mark.parametrize(
    ("chart", "kind", "field"),
    [
        ("training-jobs", "TrainingJob", "trainingJobStatus"),
        ("hyperparameter-tuning-jobs", "HyperparameterTuningJob", "hyperParameterTuningJobStatus"),
        ("batch-transform-jobs", "BatchTransformJob", "transformJobStatus"),
    ],
)
async def test_job_chart_completes_and_uninstalls_clean(
    operator_chart: E2E, chart: str, kind: str, field: str
) -> None:
    if chart == "batch-transform-jobs":
        await _model_for_the_transform_chart(operator_chart)
    release = f"e2e-{chart}"
    # The guide's `helm install . --generate-name` from the chart folder, with a fixed name
    # so the test can find it.
    await operator_chart.helm("install", release, str(CHARTS / chart), "--namespace", "default")
    status = await wait_for_status(
        operator_chart, kind, release, field, "Completed", "default", seconds=180
    )
    assert status[field] == "Completed"
    await operator_chart.helm("uninstall", release, "--namespace", "default", "--wait")
    left = await operator_chart.kubectl(
        "get", kind.lower(), release, "-n", "default", "--ignore-not-found", "-o", "name"
    )
    assert left.strip() == ""


async def test_helm_delete_removes_the_operator(operator_chart: E2E) -> None:
    await operator_chart.helm(
        "delete", RELEASE, "--namespace", SYSTEM_NAMESPACE, "--wait", "--timeout", "120s"
    )
    left = await operator_chart.kubectl(
        "get", "deployment,serviceaccount,role,rolebinding", "-n", SYSTEM_NAMESPACE, "-o", "name"
    )
    assert [line for line in left.splitlines() if "sagemaker" in line] == []
    roles = await operator_chart.kubectl("get", "clusterrole,clusterrolebinding", "-o", "name")
    assert [line for line in roles.splitlines() if "sagemaker" in line] == []


async def _model_for_the_transform_chart(e2e: E2E) -> None:
    """The SageMaker model the chart's values name, made as a user would have beforehand."""
    async with make_client(e2e.emulator_url, "sagemaker", region="us-west-2") as sagemaker:
        await sagemaker.create_model(
            ModelName="xgboost-mnist-model",
            PrimaryContainer={
                "Image": "433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:1",
                "ModelDataUrl": "s3://my-bucket/xgboost/model.tar.gz",
            },
            ExecutionRoleArn="arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
        )
