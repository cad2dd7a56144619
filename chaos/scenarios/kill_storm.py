"""kill -9 storm: the workload is applied while the operator is SIGKILLed and restarted.

The kills fall at random moments over ``fault_seconds``, one in each equal slot (the
creates are spread over the first ``apply_seconds``); after each one a new process starts
at once, as the kubelet would restart the container. Every SageMaker call is held a
random 0-0.2 s by the emulator, so a kill usually lands with calls in flight (a create
carried out whose answer the dead process never read is the case that makes duplicates).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time

from chaos.cluster import ChaosCluster
from chaos.report import Outcome
from chaos.settings import Settings
from chaos.stage import fault_moments, sleep_until, stage

NAME = "kill-storm"


async def run(cluster: ChaosCluster, settings: Settings) -> Outcome:
    rng = random.Random(settings.seed)
    async with stage(cluster, NAME, settings) as scene:
        await scene.emulator.inject("latency", latency=0.0, latency_max=0.2)
        operator = await scene.add_replica("a")
        started = time.monotonic()
        applying = asyncio.create_task(scene.apply())
        moments = fault_moments(rng, settings.kills, 0, settings.fault_seconds)
        for moment in moments:
            await sleep_until(started + moment)
            await operator.kill()
            scene.fault_ended()
        print(f"  {NAME}: {operator.kills} kills done at {scene.seconds():.0f} s", file=sys.stderr)
        await applying
        return await scene.finish(figures={"kills": str(operator.kills)})
