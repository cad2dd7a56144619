"""`make demo` end to end: the README's first command must keep working."""

from __future__ import annotations

import asyncio
import re
import sys

from apis.kinds import ALL_KINDS


async def test_demo_settles_every_sample_and_invokes_the_endpoint() -> None:
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
    assert "not settled: []" in text
    for info in ALL_KINDS:
        assert f"{info.singular}.sagemaker.aws.amazon.com/" in text
    # The transform job ran the model the Model resource made, and the endpoint answered.
    assert "the Model resource made SageMaker model xgboost-model-" in text
    assert re.search(r"AllTraffic answered: \d\.\d{11}|all-traffic answered: \d\.\d{11}", text)
    assert text.rstrip().endswith("stopped")
