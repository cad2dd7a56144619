"""The krew manifest has the fields krew requires, and says what the plugin is."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from smlogs.cli import root_help

MANIFEST = Path(__file__).resolve().parents[2] / "plugins" / "smlogs.yaml"


def test_manifest_has_what_krew_requires() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin"
    assert manifest["metadata"]["name"] == "smlogs"
    spec = manifest["spec"]
    assert spec["version"].startswith("v")
    assert spec["homepage"].startswith("https://")
    # krew's index asks for a one-line description under 50 characters
    assert len(spec["shortDescription"]) < 50
    assert "\n" not in spec["shortDescription"]
    for platform in spec["platforms"]:
        assert platform["bin"] == "kubectl-smlogs"
        # the release's archive at the project's release URL, with a real digest
        # (`make plugin-archive` writes both), not a placeholder
        release = f"{spec['homepage']}/releases/download/{spec['version']}/"
        assert platform["uri"] == f"{release}kubectl-smlogs-{spec['version']}.tar.gz"
        assert re.fullmatch(r"[0-9a-f]{64}", platform["sha256"])
        assert set(platform["sha256"]) != {"0"}, "a placeholder: run make plugin-archive"
        assert {"key": "os", "operator": "In", "values": ["linux", "darwin"]} in platform[
            "selector"
        ]["matchExpressions"]
    assert "kubectl smlogs trainingjob" in spec["description"]
    assert "smlogs" in root_help()
