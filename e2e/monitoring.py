"""The monitoring chart's rules and dashboard, and the metric names their queries use."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from e2e.conftest import REPO

MONITORING = REPO / "helm" / "monitoring"
ALERTS = MONITORING / "files" / "alerts.yaml"
ALERTS_TEST = MONITORING / "files" / "alerts_test.yaml"
DASHBOARD = MONITORING / "files" / "dashboard.json"
# A metric name is the identifier right before a label matcher or a range.
_METRIC = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]")
_SYNTHETIC = {"up"}  # made by Prometheus for every target, not exported by the operator
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def dashboard_queries() -> list[str]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def alert_queries() -> list[str]:
    rules: dict[str, Any] = yaml.safe_load(ALERTS.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def metric_names(queries: list[str]) -> set[str]:
    return {m for q in queries for m in _METRIC.findall(q)} - _SYNTHETIC


def exported_names(exposition: str) -> set[str]:
    """Every series name in a /metrics exposition, histograms with their suffixed series."""
    names = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            names.add(name)
            if kind == "histogram":
                names.update(name + suffix for suffix in _HISTOGRAM_SUFFIXES)
            if kind == "counter" and not name.endswith("_total"):
                names.add(name + "_total")
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names
