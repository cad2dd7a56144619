"""The emulator and the operator as real child processes (their own commands, their own logs)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from local_cluster.processes import log_tail, spawn

# The emulator ignores signatures, but botocore will not sign a request without credentials.
DUMMY_AWS_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
_EMULATOR_START_SECONDS = 30.0


async def start_emulator(log: Path, time_scale: float) -> tuple[asyncio.subprocess.Process, str]:
    """`sagemaker-emulator` on a free loopback port; returns the process and its URL."""
    proc = await spawn(
        [sys.executable, "-m", "sagemaker_emulator", "--time-scale", str(time_scale)], log
    )
    async with asyncio.timeout(_EMULATOR_START_SECONDS):
        while "listening on " not in (
            text := await asyncio.to_thread(log.read_text, errors="replace")
        ):
            if proc.returncode is not None:
                raise RuntimeError(f"the emulator exited:\n{log_tail(log)}")
            await asyncio.sleep(0.1)
    return proc, text.split("listening on ", 1)[1].split()[0]


async def start_operator(
    kubeconfig: Path,
    sagemaker_endpoint: str,
    log: Path,
    *flags: str,
    env: Mapping[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """`sagemaker-operator` against a kubeconfig and a SageMaker endpoint, plus ``flags``.

    ``env`` is added to this process's environment; by default it is ``DUMMY_AWS_ENV``. A
    caller that passes its own supplies the AWS credentials too (a test's own values, say).
    """
    argv: Sequence[str] = [
        sys.executable, "-m", "controller",
        "--kubeconfig", str(kubeconfig),
        "--sagemaker-endpoint", sagemaker_endpoint,
        *flags,
    ]  # fmt: skip
    return await spawn(argv, log, env=DUMMY_AWS_ENV if env is None else env)
