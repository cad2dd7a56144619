"""A node whose runner is killed with SIGKILL leaves containers and mounts behind; the next
start cleans them up, and a stop leaves the host as it was: no process, mount, bridge,
iptables chain or sysctl of ours. Runs first, before the session's node exists."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import pytest

from e2e.conftest import IMAGE, IMAGES, REPO
from local_cluster import host
from local_cluster.node import BRIDGE, DATA_DIR, STATE_DIR, NodeCluster, our_pids
from local_cluster.processes import log_tail
from local_cluster.versions import binary_path

pytestmark = pytest.mark.asyncio(loop_scope="session")

ARCHIVES = [IMAGES / "pause.tar", IMAGES / "operator.tar"]
ROOTS = [STATE_DIR, DATA_DIR / "kubelet", DATA_DIR / "containerd"]


async def _ours_in_iptables() -> list[str]:
    out = await host.run("iptables-save", check=False)
    return [line for line in out.splitlines() if line.startswith(":KUBE-")]


async def _bridge_exists() -> bool:
    return (await host.run("ip", "link", "show", BRIDGE, check=False)).startswith(f"{BRIDGE}:")


async def test_killed_runner_is_cleaned_up_by_the_next_start(tmp_path: Path) -> None:
    sysctls_before = host.read_sysctls()
    log = tmp_path / "node.log"
    with log.open("wb") as out:
        runner = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "local_cluster", "node",
            *(f"--image={a}" for a in ARCHIVES),
            cwd=REPO, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    try:
        kubeconfig = await _wait_kubeconfig(runner, log)
        kubectl = [str(binary_path("kubectl")), "--kubeconfig", kubeconfig]
        await host.run(
            *kubectl, "run", "sleeper", f"--image={IMAGE}", "--image-pull-policy=Never",
            "--command", "--", "python3", "-c", "import time; time.sleep(3600)",
        )  # fmt: skip
        await host.run(*kubectl, "wait", "pod/sleeper", "--for=condition=Ready", "--timeout=90s")
    finally:
        runner.send_signal(signal.SIGKILL)
        await runner.wait()

    # What a killed run leaves: the container (its shim outlives the runner) and its mounts.
    await asyncio.sleep(1)
    assert our_pids(), "no container outlived the killed runner: the test proves nothing"
    assert host.mounts_under(ROOTS)

    async with NodeCluster(images=ARCHIVES):
        pass

    assert our_pids() == set()
    assert host.mounts_under(ROOTS) == []
    assert not await _bridge_exists()
    assert await _ours_in_iptables() == []
    assert host.read_sysctls() == sysctls_before
    assert not STATE_DIR.exists()


async def _wait_kubeconfig(runner: asyncio.subprocess.Process, log: Path) -> str:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        text = await asyncio.to_thread(log.read_text, errors="replace")
        for line in text.splitlines():
            if line.startswith("KUBECONFIG="):
                return line.split("=", 1)[1]
        if runner.returncode is not None:
            break
        await asyncio.sleep(0.3)
    raise AssertionError(f"the node did not start:\n{log_tail(log)}")
