"""apiserver restarts: kube-apiserver is stopped and started again during the burst.

etcd keeps running, so nothing is lost server-side: the operator must reconnect its
watches (resuming from their resourceVersions, or relisting) and retry the writes that
failed while the apiserver was gone. The restarts fall at random moments while the
creates are still arriving or the jobs are running; each outage lasts 50-100% of
``outage_seconds``, plus the apiserver's own stop and start-up.
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

NAME = "apiserver-restarts"


async def run(cluster: ChaosCluster, settings: Settings) -> Outcome:
    rng = random.Random(settings.seed)
    plane = cluster.plane
    async with stage(cluster, NAME, settings) as scene:
        await scene.add_replica("a")
        started = time.monotonic()
        applying = asyncio.create_task(scene.apply())
        window = min(settings.fault_seconds, 2 * settings.apply_seconds)
        outages: list[str] = []
        for moment in fault_moments(rng, settings.apiserver_restarts, 0, window):
            await sleep_until(started + moment)
            down = time.monotonic()
            await plane.stop_apiserver()
            stopped = time.monotonic()
            await asyncio.sleep(rng.uniform(0.5, 1.0) * settings.outage_seconds)
            await plane.start_apiserver()
            scene.fault_ended()
            outages.append(f"{time.monotonic() - down:.0f} (stop {stopped - down:.0f})")
        print(f"  {NAME}: restarts done at {scene.seconds():.0f} s", file=sys.stderr)
        await applying
        outcome = await scene.finish(
            figures={
                "restarts": str(len(outages)),
                "down s": ", ".join(outages),
            }
        )
        logs = scene.logs()  # read once the operators have stopped
        outcome.figures["relists"] = str(logs.relists)
        outcome.notes.append(
            f"watch failures retried: {logs.events['watch_failed_retrying']}, "
            f"relists after 410: {logs.events['watch_expired_relisting']}"
        )
        return outcome
