"""The release archive, built by plugins/build_archive.py, installed by the real krew.

The wheel is built with build isolation and the launcher installs its dependencies, both
from PyPI (pip's cache makes a second run cheap): the path a user's first run takes.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import yaml

from local_cluster.build import ensure_built
from tests.tools import Ran, run

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "plugins" / "build_archive.py"
SOURCE = ROOT / "plugins" / "smlogs.yaml"


def _pip_cache() -> str:
    return os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


async def test_krew_installs_the_archive_and_its_launcher_runs_the_plugin(tmp_path: Path) -> None:
    tools = await ensure_built(["kubectl", "krew"])
    manifest, dist = tmp_path / "smlogs.yaml", tmp_path / "dist"
    build = [sys.executable, str(BUILD), "--dist", str(dist), "--manifest-out", str(manifest)]
    (await run(build, time_limit=600)).check()
    (archive,) = dist.glob("kubectl-smlogs-v*.tar.gz")
    spec = yaml.safe_load(manifest.read_text())["spec"]
    version, platform = spec["version"], spec["platforms"][0]
    assert archive.name == f"kubectl-smlogs-{version}.tar.gz"
    assert platform["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert platform["uri"] == f"{spec['homepage']}/releases/download/{version}/{archive.name}"
    changed = set(manifest.read_text().splitlines()) ^ set(SOURCE.read_text().splitlines())
    assert {line.split(":")[0].strip() for line in changed} <= {"uri", "sha256"}, changed

    # kubectl, krew as its plugin, and python3.11: the project's .venv is not on PATH.
    tool_bin = tmp_path / "bin"
    tool_bin.mkdir()
    (tool_bin / "kubectl").symlink_to(tools["kubectl"])
    (tool_bin / "kubectl-krew").symlink_to(tools["krew"])
    (tool_bin / "python3.11").symlink_to(Path(sys.executable).resolve())
    krew_root = tmp_path / "krew"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.pathsep.join([str(krew_root / "bin"), str(tool_bin), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "KREW_ROOT": str(krew_root),
        "KREW_NO_UPGRADE_CHECK": "1",
        "PIP_CACHE_DIR": _pip_cache(),
    }

    async def kubectl(*args: str) -> Ran:
        return (await run(["kubectl", *args], env=env, time_limit=600)).check()

    installed = await kubectl("krew", "install", f"--manifest={manifest}", f"--archive={archive}")
    assert "Installed plugin: smlogs" in installed.stderr
    # `krew list` wants the plugin index (a git clone); the receipt is what it would read.
    receipt = yaml.safe_load((krew_root / "receipts" / "smlogs.yaml").read_text())
    assert receipt["spec"]["platforms"][0]["sha256"] == platform["sha256"]
    listed = await kubectl("plugin", "list")
    assert str(krew_root / "bin" / "kubectl-smlogs") in listed.stdout

    first = await kubectl("smlogs")
    venv = krew_root / "store" / "smlogs" / version / "venv"
    assert f"first run, installing into {venv}" in first.stderr
    assert "Aliases:\n  smlogs, SMLogs, Smlogs\n" in first.stdout
    assert "  TrainingJob             View TrainingJob logs via Kubernetes\n" in first.stdout
    assert (venv / "bin" / "kubectl-smlogs").is_file()

    again = await kubectl("smlogs", "trainingjob", "--help")
    assert "installing" not in again.stderr
    assert "kubectl smlogs trainingjob" in again.stdout.lower()
