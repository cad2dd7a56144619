"""The pinned versions of every binary the local stack builds, and where they are cached."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT = "sagemaker-k8s-operator"


@dataclass(frozen=True)
class ToolVersion:
    """One binary built from one Go module at one version."""

    tool: str
    module: str
    version: str

    @property
    def binary_name(self) -> str:
        return f"{self.tool}-{self.version}"


KUBERNETES_VERSION = "v1.35.4"
ETCD_VERSION = "v3.6.16"
HELM_VERSION = "v3.19.5"
# Prometheus 3.x's Go module; Debian's prometheus is built without Kubernetes discovery.
PROMETHEUS_VERSION = "v0.316.0"
# The kubectl plugin manager; the smlogs plugin's packaging test installs with it.
KREW_VERSION = "v0.4.3"

PINNED: dict[str, ToolVersion] = {
    "kube-apiserver": ToolVersion("kube-apiserver", "k8s.io/kubernetes", KUBERNETES_VERSION),
    "kubectl": ToolVersion("kubectl", "k8s.io/kubernetes", KUBERNETES_VERSION),
    "etcd": ToolVersion("etcd", "go.etcd.io/etcd/server/v3", ETCD_VERSION),
    "helm": ToolVersion("helm", "helm.sh/helm/v3", HELM_VERSION),
}

# The data plane of node mode (local_cluster.node): built only when a node is wanted,
# so the control-plane-only test suite never pays for them.
NODE_PINNED: dict[str, ToolVersion] = {
    tool: ToolVersion(tool, "k8s.io/kubernetes", KUBERNETES_VERSION)
    for tool in ("kubelet", "kube-controller-manager", "kube-scheduler", "kube-proxy")
}

# Tools of the e2e tier only (make e2e), built like the rest.
E2E_PINNED: dict[str, ToolVersion] = {
    "prometheus": ToolVersion("prometheus", "github.com/prometheus/prometheus", PROMETHEUS_VERSION),
}

# Tools of the kubectl plugin's packaging test (tests/smlogs), built on first use.
PLUGIN_PINNED: dict[str, ToolVersion] = {
    "krew": ToolVersion("krew", "sigs.k8s.io/krew", KREW_VERSION),
}

ALL_PINNED: dict[str, ToolVersion] = {**PINNED, **NODE_PINNED, **E2E_PINNED, **PLUGIN_PINNED}


def cache_dir() -> Path:
    """Where built binaries live: outside the clone, so every clone and CI run shares them."""
    override = os.environ.get("SAGEMAKER_OPERATOR_CACHE")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / PROJECT


def bin_dir() -> Path:
    return cache_dir() / "bin"


def binary_path(tool: str) -> Path:
    return bin_dir() / ALL_PINNED[tool].binary_name
