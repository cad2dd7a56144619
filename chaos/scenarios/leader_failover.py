"""leader failover: two replicas with leader election; the leader is killed, or frozen.

Faults alternate, starting with SIGKILL: a killed leader is restarted at once (it comes
back as the standby); a frozen one (SIGSTOP: not dead, its connections open, its Lease
left to expire) is resumed once the standby has taken over, and then finds itself one of
two replicas that believe they lead. It must stop without another SageMaker call.

The creates are spread over the whole failover sequence, so resources keep arriving while
a leader is frozen: it wakes with their events queued, the moment a second leader would
act on them. A resumed leader that does not exit is killed (as a liveness probe would),
so the next fault still has a standby. Each replica calls SageMaker through its own
logging proxy, so every call is known by replica and time; the Lease is read every
0.1 s. Figures: takeover time (fault -> the Lease names the other replica), and overlap:
SageMaker calls a replica made after the Lease was seen naming the other one (must be 0).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Callable

from chaos.cluster import ChaosCluster
from chaos.leadership import LeaseWatcher, overlap
from chaos.replica import Replica
from chaos.report import Outcome
from chaos.settings import Settings
from chaos.stage import LEASE_NAME, Stage, stage

NAME = "leader-failover"
_STARTUP_SECONDS = 60.0
_AFTER_TAKEOVER_SECONDS = 2.0  # the new leader gets to work before the frozen one wakes
_EXIT_GRACE_SECONDS = 30.0  # beyond the renew deadline, for a resumed leader to exit


async def _wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            while True:  # the Lease is polled by the watcher; this reads what it saw
                if check():
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise RuntimeError(f"{NAME}: {what} not within {seconds:g} s") from None


async def _failovers(
    scene: Stage, watcher: LeaseWatcher, replicas: dict[str, Replica], rng: random.Random
) -> tuple[list[str], list[str]]:
    s = scene.settings
    takeovers: list[str] = []
    notes: list[str] = []
    takeover_bound = s.lease_duration + s.renew_deadline + 30.0
    for index in range(s.failovers):
        # A standby must be waiting for the Lease before the next fault.
        for replica in replicas.values():
            await replica.wait_logged("leader_election_waiting", _STARTUP_SECONDS)
        await asyncio.sleep(rng.uniform(1.0, 4.0))
        await _wait_for(
            lambda: watcher.holder_at(time.monotonic()) in replicas, takeover_bound, "a leader"
        )
        leader = replicas[watcher.holder_at(time.monotonic())]
        kind = "kill" if index % 2 == 0 else "freeze"
        at = time.monotonic()
        if kind == "kill":
            await leader.kill()
        else:
            leader.freeze()

        def taken_over(name: str = leader.name, since: float = at) -> bool:
            return watcher.next_holder_other_than(name, since) is not None

        await _wait_for(
            taken_over,
            takeover_bound,
            f"takeover after {kind} of {leader.name}",
        )
        took = (watcher.next_holder_other_than(leader.name, at) or at) - at
        takeovers.append(f"{kind} {took:.1f}")
        if kind == "freeze":
            await asyncio.sleep(_AFTER_TAKEOVER_SECONDS)
            process = leader.process
            leader.resume()
            resumed = time.monotonic()
            exit_bound = s.renew_deadline + _EXIT_GRACE_SECONDS
            try:
                assert process is not None
                code = await asyncio.wait_for(process.wait(), exit_bound)
                notes.append(
                    f"frozen {leader.identity} resumed, exited with code {code} after "
                    f"{time.monotonic() - resumed:.1f} s"
                )
            except TimeoutError:
                notes.append(
                    f"frozen {leader.identity} resumed and had not exited {exit_bound:g} s "
                    "later: killed"
                )
                await leader.kill()
        scene.fault_ended()
        print(f"  {NAME}: {kind} of {leader.name}, takeover {took:.1f} s", file=sys.stderr)
    return takeovers, notes


async def run(cluster: ChaosCluster, settings: Settings) -> Outcome:
    rng = random.Random(settings.seed)
    async with stage(cluster, NAME, settings) as scene:
        watcher = LeaseWatcher(cluster.api, scene.namespace, LEASE_NAME)
        watching = asyncio.create_task(watcher.run())
        try:
            first = await scene.add_replica("a", leader_election=True)
            await _wait_for(lambda: watcher.holder_at(time.monotonic()) == "a", 60, "a leads")
            second = await scene.add_replica("b", leader_election=True)
            replicas = {"a": first, "b": second}
            per_failover = settings.lease_duration + settings.renew_deadline + 4.0
            spread = max(settings.apply_seconds, settings.failovers * per_failover)
            applying = asyncio.create_task(scene.apply(spread))
            takeovers, notes = await _failovers(scene, watcher, replicas, rng)
            await applying
            outcome = await scene.finish(notes=notes)
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
    found = overlap(watcher, {name: r.proxy.calls for name, r in replicas.items()})
    outcome.figures["takeover s"] = ", ".join(takeovers)
    outcome.figures["two-leader overlap"] = f"{found.seconds:.1f} s ({found.calls} calls)"
    if found.calls:
        outcome.failures.append(
            f"two active leaders: {found.calls} SageMaker calls by a replica while the Lease "
            f"named the other ({found.seconds:.1f} s): {found.operations}"
        )
    outcome.notes.append(
        "Lease holders seen: "
        + " -> ".join(
            f"{holder or '(none)'}@{at - scene.started:.1f}s" for at, holder in watcher.identities
        )
    )
    return outcome
