"""`make demo` end to end: the README's first command must keep working."""

from __future__ import annotations

import asyncio
import sys


async def test_demo_runs_every_sample_to_completed() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "local_stack", "--until-complete",
        "--time-scale", "100", "--poll-interval", "0.5",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(240):
        out, _ = await proc.communicate()
    text = out.decode()
    assert proc.returncode == 0, text[-4000:]
    assert "not Completed: []" in text
    for kind in ("trainingjob", "hyperparametertuningjob", "batchtransformjob", "processingjob"):
        assert f"{kind}.sagemaker.aws.amazon.com/" in text
    assert text.rstrip().endswith("stopped")
