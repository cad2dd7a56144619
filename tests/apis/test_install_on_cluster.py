"""Release YAMLs and Helm charts against the real helm, kubectl and kube-apiserver."""

from __future__ import annotations

import pytest

from apis.charts import charts
from apis.install import (
    DEPLOYMENT,
    LEADER_ELECTION_ROLE,
    MANAGER_ROLE,
    METRICS_SERVICE,
    NAMESPACE,
    SERVICE_ACCOUNT,
)
from apis.manifests import HELM, PLACEHOLDER_NAMESPACE, RELEASE
from local_cluster import ControlPlane
from tests.tools import fresh_namespace, helm, kubectl

pytestmark = pytest.mark.cluster

CHARTS = sorted(charts())


@pytest.mark.parametrize("chart", CHARTS)
async def test_helm_lint_passes(control_plane: ControlPlane, chart: str) -> None:
    (await helm(control_plane, "lint", "--strict", str(HELM / chart))).check()


@pytest.mark.parametrize("chart", CHARTS)
async def test_helm_template_passes_server_side_dry_run(
    sagemaker_crds: ControlPlane, chart: str
) -> None:
    control_plane = sagemaker_crds
    namespace = await fresh_namespace(control_plane, "helm")
    rendered = (
        await helm(control_plane, "template", "release-1", str(HELM / chart), "-n", namespace)
    ).check()
    applied = await kubectl(
        control_plane,
        "apply",
        "--dry-run=server",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=rendered.stdout,
    )
    applied.check()
    assert "(server dry run)" in applied.stdout


async def test_job_chart_values_are_checked_against_the_crd_schema(
    control_plane: ControlPlane,
) -> None:
    ran = await helm(
        control_plane,
        "lint",
        str(HELM / "training-jobs"),
        "--set",
        "spec.resourceConfig.instanceCount=-1",
    )
    assert ran.returncode != 0
    assert "instanceCount" in ran.stdout + ran.stderr


async def test_installer_chart_renders_the_overridden_values(control_plane: ControlPlane) -> None:
    rendered = (
        await helm(
            control_plane,
            "template",
            "op",
            str(HELM / "installer"),
            "-n",
            NAMESPACE,
            "--set",
            "roleArn=arn:aws:iam::210987654321:role/op",
            "--set",
            "image.tag=9.9.9",
            "--set",
            "leaderElection=false",
            "--set",
            "namespace=ml-ops",
        )
    ).check()
    assert "namespace: ml-ops" in rendered.stdout
    assert f"namespace: {NAMESPACE}" not in rendered.stdout
    assert '"arn:aws:iam::210987654321:role/op"' in rendered.stdout
    assert "operator:9.9.9" in rendered.stdout
    assert "--leader-elect\n" not in rendered.stdout


async def test_installer_yaml_applies_with_the_contract_names(control_plane: ControlPlane) -> None:
    (await kubectl(control_plane, "apply", "-f", str(RELEASE / "installer.yaml"))).check()
    for kind, name in [
        ("deployment", DEPLOYMENT),
        ("serviceaccount", SERVICE_ACCOUNT),
        ("service", METRICS_SERVICE),
        ("role", LEADER_ELECTION_ROLE),
    ]:
        (await kubectl(control_plane, "get", "-n", NAMESPACE, kind, name)).check()
    (await kubectl(control_plane, "get", "clusterrole", MANAGER_ROLE)).check()
    annotation = await kubectl(
        control_plane,
        "get",
        "-n",
        NAMESPACE,
        "serviceaccount",
        SERVICE_ACCOUNT,
        "-o",
        "jsonpath={.metadata.annotations.eks\\.amazonaws\\.com/role-arn}",
    )
    assert annotation.check().stdout.startswith("arn:aws:iam::")


async def test_namespaced_release_applies_once_namespace_is_substituted(
    control_plane: ControlPlane,
) -> None:
    (await kubectl(control_plane, "apply", "-f", str(RELEASE / "namespaced" / "crd.yaml"))).check()
    namespace = await fresh_namespace(control_plane, "team")
    operator = (RELEASE / "namespaced" / "operator.yaml").read_text()
    assert PLACEHOLDER_NAMESPACE in operator
    substituted = operator.replace(PLACEHOLDER_NAMESPACE, namespace)
    (await kubectl(control_plane, "apply", "-f", "-", stdin=substituted)).check()
    role = await kubectl(
        control_plane, "get", "-n", namespace, "role", "sagemaker-k8s-operator-manager-role"
    )
    role.check()
    args = await kubectl(
        control_plane,
        "get",
        "-n",
        namespace,
        "deployment",
        DEPLOYMENT,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].args}",
    )
    assert f"--namespace={namespace}" in args.check().stdout


async def test_manager_may_do_what_it_needs(control_plane: ControlPlane) -> None:
    """The installed ClusterRole lets the operator's ServiceAccount manage its kinds."""
    (await kubectl(control_plane, "apply", "-f", str(RELEASE / "installer.yaml"))).check()
    account = f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}"
    for verb, resource in [
        ("watch", "trainingjobs.sagemaker.aws.amazon.com"),
        ("patch", "hostingdeployments.sagemaker.aws.amazon.com/status"),
        ("update", "hyperparametertuningjobs.sagemaker.aws.amazon.com/finalizers"),
        ("create", "events"),
    ]:
        ran = await kubectl(control_plane, "auth", "can-i", verb, resource, "--as", account, "-A")
        assert ran.stdout.strip() == "yes", (verb, resource, ran.stderr)
    lease = await kubectl(
        control_plane,
        "auth",
        "can-i",
        "update",
        "leases.coordination.k8s.io",
        "--as",
        account,
        "-n",
        NAMESPACE,
    )
    assert lease.stdout.strip() == "yes"
    secrets = await kubectl(control_plane, "auth", "can-i", "get", "secrets", "--as", account, "-A")
    assert secrets.stdout.strip() == "no"
