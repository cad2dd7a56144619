"""The e2e tier: one real node for the whole run, the SageMaker emulator where Pods reach it.

Everything here runs the way a user runs it: the image from `make image`, installed with
the release YAML or the Helm charts through the real kubectl and helm, onto a node of
containerd + kubelet (local_cluster.node). Needs root; `make e2e` sets everything up.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from local_cluster.build import ensure_built
from local_cluster.node import NODE_IP, NodeCluster
from local_cluster.processes import free_port, log_tail, spawn, terminate
from local_cluster.versions import cache_dir

REPO = Path(__file__).resolve().parent.parent
IMAGE = "localhost/sagemaker-k8s-operator:dev"
IMAGES = cache_dir() / "images"
# The jobs of the samples take minutes on SageMaker; the emulator runs them 120 times faster.
TIME_SCALE = 120
_COMMAND_TIMEOUT_SECONDS = 180.0


class CommandFailed(AssertionError):
    """A kubectl/helm/promtool command exited non-zero; the message has its output."""


@dataclass
class E2E:
    """The node, the emulator's URL as Pods see it, and the real CLIs against them."""

    cluster: NodeCluster
    emulator_url: str
    helm_binary: Path
    work: Path
    emulator_log: Path
    extra: dict[str, str] = field(default_factory=dict)

    async def run(
        self, *argv: str, stdin: str | None = None, check: bool = True, seconds: float = 0
    ) -> str:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(
                proc.communicate(stdin.encode() if stdin is not None else None),
                seconds or _COMMAND_TIMEOUT_SECONDS,
            )
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise CommandFailed(f"`{' '.join(argv)}` timed out") from None
        if check and proc.returncode != 0:
            raise CommandFailed(
                f"`{' '.join(argv)}` exited {proc.returncode}:\n{out.decode()}\n{err.decode()}"
            )
        return out.decode() + ("" if check else err.decode())

    async def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        return await self.run(*self.cluster.kubectl_argv(), *args, stdin=stdin, check=check)

    async def helm(self, *args: str, check: bool = True) -> str:
        return await self.run(
            str(self.helm_binary), "--kubeconfig", str(self.cluster.kubeconfig), *args,
            check=check,
        )  # fmt: skip


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def e2e(request: pytest.FixtureRequest) -> AsyncIterator[E2E]:
    archives = [IMAGES / "pause.tar", IMAGES / "operator.tar"]
    for archive in archives:
        if not archive.is_file():
            raise FileNotFoundError(f"{archive} is missing: run `make image` (make e2e does)")
    helm = (await ensure_built(["helm"]))["helm"]
    work = Path(tempfile.mkdtemp(prefix="sagemaker-e2e-"))
    async with NodeCluster(images=archives) as cluster:
        log = work / "emulator.log"
        port = free_port()
        emulator = await spawn(
            [
                sys.executable, "-m", "sagemaker_emulator",
                "--host", NODE_IP, "--port", str(port), "--time-scale", str(TIME_SCALE),
            ],
            log,
        )  # fmt: skip
        try:
            await _wait_listening(emulator, log)
            yield E2E(cluster, f"http://{NODE_IP}:{port}", helm, work, log)
            if request.session.testsfailed:
                await _print_diagnostics(cluster, log)
        finally:
            await terminate(emulator)


async def _print_diagnostics(cluster: NodeCluster, emulator_log: Path) -> None:
    """What a failed run needs to be understood, before the node and its logs are gone."""
    proc = await asyncio.create_subprocess_exec(
        *cluster.kubectl_argv(), "logs", "-A", "-l", "control-plane=controller-manager",
        "--tail=60", "--prefix",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    print("\n== operator logs\n" + out.decode(errors="replace"))
    print("== emulator log\n" + log_tail(emulator_log, 20))
    for name in ("kubelet", "containerd"):
        print(f"== {name} log\n" + log_tail(cluster.logs / f"{name}.log", 20))


async def _wait_listening(proc: asyncio.subprocess.Process, log: Path) -> None:
    async with asyncio.timeout(30):
        while "listening on " not in await asyncio.to_thread(log.read_text, errors="replace"):
            if proc.returncode is not None:
                raise RuntimeError(f"the emulator exited:\n{log_tail(log)}")
            await asyncio.sleep(0.1)
