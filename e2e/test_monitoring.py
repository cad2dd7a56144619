"""The monitoring chart: its alert rules pass promtool's own unit tests, and it makes the
ServiceMonitor and PrometheusRule only where the Prometheus Operator's CRDs exist."""

from __future__ import annotations

import shutil

import pytest

from e2e.conftest import E2E
from e2e.monitoring import ALERTS, ALERTS_TEST, MONITORING

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _promtool() -> str:
    promtool = shutil.which("promtool")
    if promtool is None:
        raise FileNotFoundError("promtool is missing: apt-get install -y prometheus")
    return promtool


async def test_alert_rules_are_valid_and_pass_their_unit_tests(e2e: E2E) -> None:
    checked = await e2e.run(_promtool(), "check", "rules", str(ALERTS))
    assert "SUCCESS: 7 rules found" in checked, checked
    tested = await e2e.run(_promtool(), "test", "rules", str(ALERTS_TEST))
    assert "SUCCESS" in tested, tested


async def test_chart_adds_prometheus_operator_objects_only_when_its_crds_exist(e2e: E2E) -> None:
    await e2e.helm("lint", str(MONITORING))
    plain = await e2e.helm("template", "monitoring", str(MONITORING))
    assert "kind: ServiceMonitor" not in plain
    assert "kind: PrometheusRule" not in plain
    assert "grafana_dashboard" in plain
    with_crds = await e2e.helm(
        "template", "monitoring", str(MONITORING), "--api-versions", "monitoring.coreos.com/v1"
    )
    assert "kind: ServiceMonitor" in with_crds
    assert "alert: SageMakerOperatorDown" in with_crds


async def test_chart_installs_into_the_cluster(e2e: E2E) -> None:
    await e2e.kubectl("create", "namespace", "monitoring-check")
    await e2e.helm("install", "monitoring", str(MONITORING), "--namespace", "monitoring-check")
    dashboard = await e2e.kubectl(
        "get", "configmap", "sagemaker-k8s-operator-dashboard", "-n", "monitoring-check",
        "-o", "jsonpath={.data}",
    )  # fmt: skip
    assert "controller_runtime_reconcile_total" in dashboard
    await e2e.helm("uninstall", "monitoring", "--namespace", "monitoring-check")
    await e2e.kubectl("delete", "namespace", "monitoring-check", "--wait=false")
