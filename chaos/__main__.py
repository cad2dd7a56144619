"""``python -m chaos`` (``make chaos``): run the scenarios and print one table of figures.

Every scenario runs on one local control plane (its own namespace), with its own
emulator process and operator processes; see ``chaos/scenarios/``. The exit code is 1 when
a scenario shows a correctness miss (a duplicate, a lost, wrongly failed or orphaned
resource, two active leaders, a request budget exceeded); timings never fail a run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import traceback

from chaos.cluster import running_cluster
from chaos.report import Outcome, details, row, table
from chaos.scenarios import SCENARIOS
from chaos.settings import FULL, SHORT, Settings


def parse_args(argv: list[str] | None = None) -> tuple[list[str], Settings]:
    parser = argparse.ArgumentParser(
        prog="python -m chaos", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--scenario", action="append", choices=list(SCENARIOS), help="run only this (repeatable)")
    add("--short", action="store_true", help="the test suite's small sizes")
    add("--jobs", type=int, help=f"TrainingJobs per scenario (default {FULL.jobs})")
    add("--hostings", type=int, help=f"HostingDeployments per scenario (default {FULL.hostings})")
    add("--kills", type=int, help=f"kill -9 storm: kills (default {FULL.kills})")
    add("--apiserver-restarts", type=int, help=f"default {FULL.apiserver_restarts}")
    add("--failovers", type=int, help=f"leader faults, kill/freeze (default {FULL.failovers})")
    add("--watch-faults", type=int, help=f"freezes/resets (default {FULL.watch_faults})")
    add("--token-burst-seconds", type=float, help=f"default {FULL.token_burst_seconds:g}")
    add("--apply-seconds", type=float, help=f"creates spread over (default {FULL.apply_seconds:g})")
    add("--fault-seconds", type=float, help=f"fault window (default {FULL.fault_seconds:g})")
    add("--bound", type=float, help=f"s after the last fault to settle (default {FULL.bound:g})")
    add("--time-scale", type=float, help=f"emulated s per real s (default {FULL.time_scale:g})")
    add("--poll-interval", type=float, help=f"operator's job poll (default {FULL.poll_interval:g})")
    add("--concurrency", type=int, help=f"operator's workers per kind (default {FULL.concurrency})")
    add("--budget", type=float, help=f"operator's SageMaker req/s (default {FULL.budget:g})")
    add("--seed", type=int, help="seed for the fault moments")
    args = vars(parser.parse_args(argv))
    names = args.pop("scenario") or list(SCENARIOS)
    base = SHORT if args.pop("short") else FULL
    return names, base.but(**args)


async def run(names: list[str], settings: Settings) -> list[Outcome]:
    outcomes = []
    async with running_cluster() as cluster:
        for name in names:
            began = time.monotonic()
            print(
                f"== {name}: {settings.jobs} TrainingJobs + {settings.hostings} "
                f"HostingDeployments (x{settings.time_scale:g} clock)",
                file=sys.stderr,
                flush=True,
            )
            try:
                outcome = await SCENARIOS[name](cluster, settings)
            except Exception as error:
                # One scenario's crash must not cost the others' figures: report it, go on.
                traceback.print_exc()
                outcome = Outcome.crashed(name, settings.jobs, settings.hostings, error)
            outcomes.append(outcome)
            print(
                f"   done in {time.monotonic() - began:.0f} s: {row(outcome)}",
                file=sys.stderr,
                flush=True,
            )
    return outcomes


def main(argv: list[str] | None = None) -> int:
    names, settings = parse_args(argv)
    outcomes = asyncio.run(run(names, settings))
    print(table(outcomes))
    print()
    for outcome in outcomes:
        print(details(outcome))
    return 0 if all(outcome.correct for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
