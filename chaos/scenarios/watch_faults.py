"""watch faults: the operator reaches the apiserver through a TCP proxy that breaks links.

At random moments while the resources are being created (one in each equal slot of the
creates' stretch, so resources keep arriving after every fault) the proxy either
resets every open connection (both ends aborted) or freezes them all (bytes stop in both
directions and the server's close is hidden: a half-open link, which only a read timeout
can notice); the two alternate, reset first, since a freeze leaves no live connection to
reset until the operator's requests on the frozen ones time out. New connections work.
No event may be lost: every resource must still converge. The operator's relists and
watch restarts are counted from its log (``chaos/operator_logs.py``).
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
from chaos.tcp_proxy import StallingProxy

NAME = "watch-faults"


async def run(cluster: ChaosCluster, settings: Settings) -> Outcome:
    rng = random.Random(settings.seed)
    proxy = StallingProxy(cluster.plane.apiserver_port)
    await proxy.start()
    try:
        async with stage(cluster, NAME, settings) as scene:
            await scene.add_replica("a", kubeconfig=scene.kubeconfig_via(proxy.url))
            started = time.monotonic()
            applying = asyncio.create_task(scene.apply())
            window = min(settings.fault_seconds, settings.apply_seconds)
            moments = fault_moments(rng, settings.watch_faults, 0, window)
            frozen = reset = 0
            for index, moment in enumerate(moments):
                await sleep_until(started + moment)
                if index % 2 == 0:
                    reset += proxy.reset_existing()
                else:
                    frozen += proxy.freeze_existing()
                scene.fault_ended()
            print(f"  {NAME}: faults done at {scene.seconds():.0f} s", file=sys.stderr)
            await applying
            outcome = await scene.finish()
    finally:
        await proxy.stop()
    logs = scene.logs()
    outcome.figures["connections reset/frozen"] = f"{reset}/{frozen}"
    outcome.figures["relists"] = str(logs.relists)
    outcome.notes.append(
        f"watch failures retried: {logs.events['watch_failed_retrying']}, relists after 410: "
        f"{logs.events['watch_expired_relisting']}, proxy connections: {proxy.connections}"
    )
    return outcome
