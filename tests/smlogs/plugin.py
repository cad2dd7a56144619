"""Run ``kubectl smlogs`` as a user would: the real kubectl finding the plugin on PATH."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from local_cluster import ControlPlane
from tests.tools import Ran, run

GROUPS = {
    "TrainingJob": "/aws/sagemaker/TrainingJobs",
    "BatchTransformJob": "/aws/sagemaker/TransformJobs",
    "ProcessingJob": "/aws/sagemaker/ProcessingJobs",
}


@dataclass(frozen=True)
class Plugin:
    kubectl: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(cls, plane: ControlPlane, endpoint: str, home: Path, scripts: Path) -> Plugin:
        """A clean environment: only the venv's scripts on PATH, dummy AWS credentials,
        the emulator as the operator's default endpoint, the test cluster's kubeconfig."""
        (home / "aws-config").write_text("")
        (home / "aws-credentials").write_text("")
        env = {
            "PATH": f"{scripts}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(home),
            "KUBECONFIG": str(plane.kubeconfig),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": str(home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DEFAULT_SAGEMAKER_ENDPOINT": endpoint,
        }
        return cls(plane.binary("kubectl"), env)

    def with_env(self, drop: tuple[str, ...] = (), **changes: str) -> Plugin:
        env = {k: v for k, v in self.env.items() if k not in drop}
        env.update(changes)
        return replace(self, env=env)

    async def kubectl_run(self, *args: str, time_limit: float = 120) -> Ran:
        return await run([str(self.kubectl), *args], time_limit=time_limit, env=self.env)

    async def smlogs(self, *args: str, time_limit: float = 120) -> Ran:
        return await self.kubectl_run("smlogs", *args, time_limit=time_limit)


class Started:
    """A plugin process left running while the test changes the world around it; each
    stdout line goes to ``on_line`` as it comes."""

    def __init__(
        self, process: asyncio.subprocess.Process, on_line: Callable[[str], None] | None
    ) -> None:
        self._process = process
        self._on_line = on_line
        self._lines: list[str] = []
        self._err: list[str] = []
        self._readers = asyncio.gather(self._read_out(), self._read_err())

    async def _read_out(self) -> None:
        assert self._process.stdout is not None
        async for raw in self._process.stdout:
            line = raw.decode()
            self._lines.append(line)
            if self._on_line is not None:
                self._on_line(line.rstrip("\n"))

    async def _read_err(self) -> None:
        assert self._process.stderr is not None
        async for raw in self._process.stderr:
            self._err.append(raw.decode())

    async def stderr_says(self, text: str, time_limit: float = 30) -> None:
        async with asyncio.timeout(time_limit):
            while text not in "".join(self._err):
                assert self._process.returncode is None, f"exited: {''.join(self._err)}"
                await asyncio.sleep(0.05)

    def interrupt(self) -> None:
        """Ctrl-C: kubectl execs the plugin, so this process is the plugin itself."""
        self._process.send_signal(signal.SIGINT)

    async def finish(self, time_limit: float = 60) -> Ran:
        try:
            async with asyncio.timeout(time_limit):
                await self._readers
                await self._process.wait()
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
            raise
        assert self._process.returncode is not None
        return Ran(self._process.returncode, "".join(self._lines), "".join(self._err))


async def start(
    plugin: Plugin, *args: str, on_line: Callable[[str], None] | None = None
) -> Started:
    process = await asyncio.create_subprocess_exec(
        str(plugin.kubectl),
        "smlogs",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=plugin.env,
    )
    return Started(process, on_line)
