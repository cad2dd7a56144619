"""SageMaker faults: a flaky, throttling, slow SageMaker, and a spell of expired credentials.

For the whole fault window every call may be throttled (30%), answered 500 or 503 (2.5%
each), have its connection dropped before it is handled (2%) or after (2%: the create is
carried out, its answer lost), and is held 0-0.3 s. Meanwhile, from a third of the way
into the creates, every call is refused with ExpiredTokenException for
``token_burst_seconds`` (as when an IRSA token is not refreshed in time): none of these
errors says anything about the job, so no resource may end Failed because of them.

The operator's calls are counted per 10 s window at its logging proxy, against its
``--sagemaker-request-budget`` (``faults_budget``, set low enough that the operator would
send more): retries under throttling must not exceed it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

from chaos import request_rate
from chaos.cluster import ChaosCluster
from chaos.report import Outcome
from chaos.settings import Settings
from chaos.stage import sleep_until, stage

NAME = "sagemaker-faults"
BACKGROUND = (
    ("throttle", 0.30),
    ("http500", 0.025),
    ("http503", 0.025),
    ("drop", 0.02),
    ("drop_response", 0.02),
)


async def run(cluster: ChaosCluster, settings: Settings) -> Outcome:
    async with stage(cluster, NAME, settings) as scene:
        emulator = scene.emulator
        for kind, rate in BACKGROUND:
            await emulator.inject(kind, rate=rate)
        await emulator.inject("latency", latency=0.0, latency_max=0.3)
        budget = settings.faults_budget
        operator = await scene.add_replica("a", budget=budget)
        started = time.monotonic()
        applying = asyncio.create_task(scene.apply())
        await sleep_until(started + settings.apply_seconds / 3)
        burst = await emulator.inject("expired_token")
        await asyncio.sleep(settings.token_burst_seconds)
        await emulator.remove_fault(burst)
        await sleep_until(started + settings.fault_seconds)
        await emulator.clear_faults()
        scene.fault_ended()
        print(f"  {NAME}: faults cleared at {scene.seconds():.0f} s", file=sys.stderr)
        await applying
        outcome = await scene.finish()
        answered = await emulator.request_log()
    windows = request_rate.check([call.at for call in operator.proxy.calls], budget)
    outcome.figures["busiest 10 s"] = (
        f"{windows.busiest} calls (budget {windows.allowed}: "
        f"{'within' if windows.within else f'over in {windows.over} windows'})"
    )
    if not windows.within:
        outcome.failures.append(
            f"request budget exceeded: {windows.busiest} calls in a 10 s window, "
            f"budget {budget:g}/s allows {windows.allowed}"
        )
    errors = Counter(
        f"{entry['operation']} {entry['error_code']}"
        for entry in answered["recent"]
        if entry["error_code"]
    )
    outcome.notes.append(
        f"SageMaker answered {answered['total']} calls; errors by operation: "
        + ", ".join(f"{what} {n}" for what, n in sorted(errors.items()))
    )
    return outcome
