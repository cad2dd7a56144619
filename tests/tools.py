"""Run the real kubectl and helm against the local control plane, without blocking the loop."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from local_cluster import ControlPlane


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> Ran:
        assert self.returncode == 0, f"exit {self.returncode}\n{self.stdout}\n{self.stderr}"
        return self


async def run(
    argv: list[str],
    stdin: str | None = None,
    time_limit: float = 120,
    env: dict[str, str] | None = None,
) -> Ran:
    """``env``, when given, is the whole environment of the command."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await asyncio.wait_for(
            process.communicate(stdin.encode() if stdin is not None else None), time_limit
        )
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def kubectl(plane: ControlPlane, *args: str, stdin: str | None = None) -> Ran:
    return await run([*plane.kubectl_argv(), *args], stdin=stdin)


async def helm(plane: ControlPlane, *args: str) -> Ran:
    return await run([str(plane.binary("helm")), "--kubeconfig", str(plane.kubeconfig), *args])


async def fresh_namespace(plane: ControlPlane, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    (await kubectl(plane, "create", "namespace", name)).check()
    return name
