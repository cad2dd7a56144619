"""One scenario's stack and timeline: its namespace, emulator, operators, workload, verdict.

A scenario opens a ``Stage``, starts its replicas, applies the workload while it injects
its faults, marks the end of each fault, then calls ``finish``: wait (up to the bound)
for every resource to settle, stop the operators, clear the emulator's faults, and judge.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chaos.cluster import ChaosCluster
from chaos.convergence import wait_settled
from chaos.emulator import Emulator, running_emulator
from chaos.operator_logs import LogSummary, summarize
from chaos.replica import Replica
from chaos.report import Outcome
from chaos.settings import Settings
from chaos.verdict import judge
from chaos.workload import Workload, apply_spread

LEASE_NAME = "chaos-operator"
_SHOWN_ERROR_EVENTS = 6


@dataclass
class Stage:
    name: str
    cluster: ChaosCluster
    settings: Settings
    namespace: str
    folder: Path
    emulator: Emulator
    workload: Workload
    replicas: list[Replica] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    last_fault_end: float = field(default_factory=time.monotonic)

    def operator_flags(self, identity: str, leader_election: bool, budget: float) -> list[str]:
        s = self.settings
        flags = [
            "--namespace", self.namespace,
            "--metrics-bind-address", "0",
            "--health-probe-bind-address", "0",
            "--log-level", "info",
            "--log-format", "json",
            "--job-poll-interval", str(s.poll_interval),
            "--watch-timeout", str(s.watch_timeout),
            "--max-concurrent-reconciles", str(s.concurrency),
            "--sagemaker-request-budget", str(budget),
            "--graceful-shutdown-timeout", "5",
        ]  # fmt: skip
        if leader_election:
            flags += [
                "--leader-elect",
                "--leader-election-id", LEASE_NAME,
                "--leader-election-namespace", self.namespace,
                "--leader-election-identity", identity,
                "--leader-election-lease-duration", str(s.lease_duration),
                "--leader-election-renew-deadline", str(s.renew_deadline),
                "--leader-election-retry-period", str(s.retry_period),
            ]  # fmt: skip
        return flags

    async def add_replica(
        self,
        name: str,
        *,
        leader_election: bool = False,
        kubeconfig: Path | None = None,
        budget: float | None = None,
    ) -> Replica:
        """A replica (started); ``budget`` overrides ``settings.budget``."""
        requests_per_second = self.settings.budget if budget is None else budget
        replica = Replica(
            name,
            kubeconfig or self.cluster.plane.kubeconfig,
            self.emulator.url,
            self.folder,
            lambda identity: self.operator_flags(identity, leader_election, requests_per_second),
        )
        self.replicas.append(replica)
        await replica.start()
        return replica

    def kubeconfig_via(self, server: str) -> Path:
        """The admin kubeconfig, pointed at ``server`` (a proxy) instead of the apiserver."""
        config = yaml.safe_load(self.cluster.plane.kubeconfig.read_text())
        for entry in config["clusters"]:
            entry["cluster"]["server"] = server
        path = self.folder / "kubeconfig-via-proxy"
        path.write_text(yaml.safe_dump(config))
        path.chmod(0o600)
        return path

    async def apply(self, seconds: float | None = None) -> float:
        """Create the workload, spread over ``seconds`` (``settings.apply_seconds``)."""
        spread = self.settings.apply_seconds if seconds is None else seconds
        return await apply_spread(self.cluster.objects, self.namespace, self.workload, spread)

    def fault_ended(self) -> None:
        self.last_fault_end = time.monotonic()

    def seconds(self) -> float:
        """Since the stage started (for progress lines)."""
        return time.monotonic() - self.started

    def logs(self) -> LogSummary:
        return summarize(log for replica in self.replicas for log in replica.logs)

    async def finish(
        self,
        figures: dict[str, str] | None = None,
        failures: list[str] | None = None,
        notes: list[str] | None = None,
    ) -> Outcome:
        s = self.settings
        poll = 1.0 if self.workload.size <= 100 else 2.0
        converged = await wait_settled(
            self.cluster.objects,
            self.namespace,
            self.workload,
            until=self.last_fault_end + s.bound,
            poll=poll,
        )
        for replica in self.replicas:
            await replica.stop()
        await self.emulator.clear_faults()
        verdict = await judge(self.emulator, self.workload, converged)
        settled = converged.settled_at
        return Outcome(
            scenario=self.name,
            jobs=len(self.workload.jobs),
            hostings=len(self.workload.hostings),
            verdict=verdict,
            converge_seconds=None if settled is None else max(0.0, settled - self.last_fault_end),
            bound=s.bound,
            folder=self.folder,
            figures=figures or {},
            failures=failures or [],
            notes=[*(notes or []), *self._process_notes()],
        )

    def _process_notes(self) -> list[str]:
        notes = []
        for replica in self.replicas:
            exits = ", ".join(f"code {c} x{n}" for c, n in sorted(replica.exit_codes.items()))
            notes.append(
                f"replica {replica.name}: {len(replica.logs)} processes, {replica.kills} "
                f"killed by the suite, exits on its own: {exits or 'none'}, "
                f"{len(replica.proxy.calls)} SageMaker calls"
            )
        summary = self.logs()
        if summary.errors:
            top = summary.errors.most_common(_SHOWN_ERROR_EVENTS)
            notes.append(
                "operator warnings/errors by event: " + ", ".join(f"{e} {n}" for e, n in top)
            )
            for event, _ in top:
                notes.append(f"  e.g. {summary.samples[event]}")
        return notes


@asynccontextmanager
async def stage(cluster: ChaosCluster, name: str, settings: Settings) -> AsyncIterator[Stage]:
    folder = Path(tempfile.mkdtemp(prefix=f"chaos-{name}-"))
    namespace = await cluster.new_namespace(name)
    workload = Workload.sized(settings.jobs, settings.hostings)
    async with running_emulator(folder, settings.time_scale) as emulator:
        staged = Stage(name, cluster, settings, namespace, folder, emulator, workload)
        try:
            yield staged
        finally:
            for replica in staged.replicas:
                await replica.stop()


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


def fault_moments(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    """``count`` random moments in [start, end], one in each of ``count`` equal slots (at a
    random point of its middle half), so faults are spread out rather than bunched."""
    slot = (end - start) / max(1, count)
    return [start + (i + rng.uniform(0.25, 0.75)) * slot for i in range(count)]
