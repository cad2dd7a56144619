"""The plugin run through the real kubectl, against the real apiserver and emulator.

The emulator (time x150), the namespace and the credentials are the reconciler tests'.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from local_cluster import ControlPlane
from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.conftest import _credentials, emulator, kube
from tests.smlogs.plugin import Plugin

__all__ = ["_credentials", "emulator", "kube"]


@pytest.fixture
def plugin(sagemaker_crds: ControlPlane, emulator: RunningEmulator, tmp_path: Path) -> Plugin:
    scripts = Path(sys.executable).parent
    assert (scripts / "kubectl-smlogs").is_file(), (
        f"no kubectl-smlogs in {scripts}: install the project (make setup, or "
        "pip install -e '.[dev]') so its console script is there"
    )
    return Plugin.make(sagemaker_crds, emulator.url, tmp_path, scripts)
