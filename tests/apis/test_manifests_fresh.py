"""The committed generated files are what `python -m apis.manifests` writes today."""

from __future__ import annotations

import json

import yaml

from apis.install import (
    DEPLOYMENT,
    LEADER_ELECTION_ROLE,
    MANAGER_ROLE,
    METRICS_SERVICE,
    NAMESPACE,
    SERVICE_ACCOUNT,
)
from apis.manifests import ROOT, expected_files


def test_generated_files_are_up_to_date() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in expected_files().items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], f"run `make manifests` and commit: {stale}"


def test_no_leftover_generated_files() -> None:
    """A kind or chart file that was removed from apis/ must not linger in the tree."""
    expected = set(expected_files())
    generated_dirs = [ROOT / "config" / "crd", ROOT / "config" / "rbac", ROOT / "release"]
    on_disk = {path for folder in generated_dirs for path in folder.rglob("*.yaml")}
    assert sorted(map(str, on_disk - expected)) == []


def test_every_crd_fits_client_side_kubectl_apply() -> None:
    """`kubectl apply` keeps the whole object in an annotation of at most 256 KiB."""
    for path in (ROOT / "config" / "crd" / "bases").glob("*.yaml"):
        as_json = json.dumps(yaml.safe_load(path.read_text()), separators=(",", ":"))
        assert len(as_json) < 256 * 1024, path.name


def test_install_names_are_the_product_contracts() -> None:
    """Renaming any of these breaks every existing install and IAM trust policy."""
    assert NAMESPACE == "sagemaker-k8s-operator-system"
    assert SERVICE_ACCOUNT == "sagemaker-k8s-operator-default"
    assert DEPLOYMENT == "sagemaker-k8s-operator-controller-manager"
    assert METRICS_SERVICE == "sagemaker-k8s-operator-controller-manager-metrics-service"
    assert MANAGER_ROLE == "sagemaker-k8s-operator-manager-role"
    assert LEADER_ELECTION_ROLE == "sagemaker-k8s-operator-leader-election-role"
