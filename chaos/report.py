"""A scenario's outcome, and the table ``make chaos`` prints."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from chaos.verdict import Verdict

_SHOWN_PER_LIST = 5


@dataclass
class Outcome:
    scenario: str
    jobs: int
    hostings: int
    verdict: Verdict
    converge_seconds: float | None  # after the last fault; None: not within the bound
    bound: float
    folder: Path
    figures: dict[str, str] = field(default_factory=dict)  # scenario-specific, for the table
    failures: list[str] = field(default_factory=list)  # scenario-specific correctness misses
    notes: list[str] = field(default_factory=list)  # evidence: counts, log lines

    @classmethod
    def crashed(cls, scenario: str, jobs: int, hostings: int, error: BaseException) -> Outcome:
        """A scenario that could not run to its end (the harness's fault, or a fault that
        left nothing to measure): no figures, one failure naming the error."""
        return cls(
            scenario,
            jobs,
            hostings,
            Verdict(),
            None,
            0.0,
            Path(tempfile.gettempdir()),
            figures={"ERROR": repr(error)[:120]},
            failures=[f"the scenario did not finish: {error!r}"],
        )

    @property
    def correct(self) -> bool:
        v = self.verdict
        return not (
            v.duplicates or v.lost or v.wrongly_failed or v.orphans or v.strays or self.failures
        )

    def problems(self) -> list[str]:
        """Every correctness miss, one line each (for a test's failure message)."""
        v = self.verdict
        lines = [f"duplicate {name}: {why}" for name, why in v.duplicates.items()]
        lines += [f"lost {name}" for name in v.lost]
        lines += [f"wrongly failed {name}: {why}" for name, why in v.wrongly_failed.items()]
        lines += [f"orphans of {name}: {names}" for name, names in v.orphans.items()]
        lines += [f"stray SageMaker object {name}" for name in v.strays]
        return lines + self.failures


_HEADER = (
    f"{'scenario':<18} {'resources':>11} {'duplicates':>10} {'lost':>5} {'wrongly failed':>14} "
    f"{'orphans':>7} {'converge s':>10}  scenario figures"
)


def _converge(outcome: Outcome) -> str:
    if outcome.converge_seconds is None:
        return f">{outcome.bound:g}"
    return f"{outcome.converge_seconds:.1f}"


def row(outcome: Outcome) -> str:
    v = outcome.verdict
    resources = f"{outcome.jobs}+{outcome.hostings}"
    figures = "; ".join(f"{k} {value}" for k, value in outcome.figures.items())
    return (
        f"{outcome.scenario:<18} {resources:>11} {len(v.duplicates):>10} {len(v.lost):>5} "
        f"{len(v.wrongly_failed):>14} {v.orphan_count:>7} {_converge(outcome):>10}  {figures}"
    )


def table(outcomes: list[Outcome]) -> str:
    lines = [_HEADER, "-" * len(_HEADER)]
    lines += [row(outcome) for outcome in outcomes]
    lines.append(
        "resources: TrainingJobs+HostingDeployments; converge s: from the end of the last "
        "fault until every resource had settled (> bound: some never did)"
    )
    return "\n".join(lines)


def details(outcome: Outcome) -> str:
    """The evidence under the table: what went wrong, where the logs are."""
    v = outcome.verdict
    lines = [f"{outcome.scenario}: {'correct' if outcome.correct else 'NOT correct'}"]

    def some(label: str, items: list[str]) -> None:
        if items:
            shown = items[:_SHOWN_PER_LIST]
            more = f" (+{len(items) - len(shown)} more)" if len(items) > len(shown) else ""
            lines.append(f"  {label} ({len(items)}): " + "; ".join(shown) + more)

    some("duplicates", [f"{n}: {why}" for n, why in v.duplicates.items()])
    some("lost", v.lost)
    some("wrongly failed", [f"{n}: {why}" for n, why in v.wrongly_failed.items()])
    some("orphans", [f"{n}: {', '.join(names)}" for n, names in v.orphans.items()])
    some("stray SageMaker objects", v.strays)
    lines += [f"  {failure}" for failure in outcome.failures]
    if v.creates:
        lines.append(
            "  create calls by outcome: "
            + ", ".join(f"{k} {n}" for k, n in sorted(v.creates.items()))
        )
    if not v.log_complete:
        lines.append("  (the emulator's request log overflowed: create counts are partial)")
    lines += [f"  {note}" for note in outcome.notes]
    lines.append(f"  logs: {outcome.folder}")
    return "\n".join(lines)
