"""What SageMaker and the resources show once a scenario is over: the correctness figures.

* duplicates: a resource with more than one SageMaker job (the emulator's list, and the
  successful creates in its request log), or a HostingDeployment with more than one
  endpoint (likewise);
* lost: a resource that had not settled within the scenario's bound;
* wrongly failed: a resource whose status says Failed although SageMaker's job (endpoint)
  did not fail;
* orphans: models and endpoint configurations a settled HostingDeployment made (its uid is
  in their names) that its status does not name (as ``tests/reconcilers/hosting.py``
  ``referenced`` reads a status).

SageMaker objects are told apart by the resource uid (no dashes) that ends every name the
operator makes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from chaos.convergence import Convergence, status
from chaos.emulator import Emulator
from chaos.workload import Workload

_UID_LENGTH = 32
# A create that SageMaker carried out: answered, or carried out and its answer dropped.
_CARRIED_OUT = (None, "ResponseDropped")


def uid_of(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["uid"]).replace("-", "")


def by_uid(names: Any) -> defaultdict[str, list[str]]:
    grouped: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        grouped[str(name)[-_UID_LENGTH:]].append(str(name))
    return grouped


@dataclass
class Verdict:
    duplicates: dict[str, str] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    wrongly_failed: dict[str, str] = field(default_factory=dict)
    orphans: dict[str, list[str]] = field(default_factory=dict)
    strays: list[str] = field(default_factory=list)  # SageMaker objects no resource explains
    creates: Counter[str] = field(default_factory=Counter)  # create calls by outcome
    log_complete: bool = True  # the emulator's request log still held every request

    @property
    def orphan_count(self) -> int:
        return sum(len(names) for names in self.orphans.values())


async def judge(emulator: Emulator, workload: Workload, converged: Convergence) -> Verdict:
    """Compare the resources' last statuses with what the emulator holds. Call it once the
    operators are stopped and the emulator's faults are cleared."""
    verdict = Verdict(lost=sorted(converged.unsettled))
    log = await emulator.request_log()
    verdict.log_complete = len(log["recent"]) >= log["total"]
    carried_out: Counter[str] = Counter()
    for entry in log["recent"]:
        if entry["operation"] in ("CreateTrainingJob", "CreateEndpoint"):
            verdict.creates[f"{entry['operation']} {entry['error_code'] or 'OK'}"] += 1
            if entry["error_code"] in _CARRIED_OUT and entry["resource"]:
                carried_out[str(entry["resource"])[-_UID_LENGTH:]] += 1
    snapshot = converged.snapshot
    known: set[str] = set()

    training = await emulator.list_names("TrainingJob")
    jobs = by_uid(training)
    for name in workload.jobs:
        job = snapshot.jobs.get(name)
        if job is None:
            continue
        uid = uid_of(job)
        known.add(uid)
        made = jobs.get(uid, [])
        if len(made) > 1 or carried_out[uid] > 1:
            verdict.duplicates[name] = f"{len(made)} jobs, {carried_out[uid]} creates carried out"
        seen = status(job)
        if seen.get("trainingJobStatus") == "Failed":
            actual = training.get(seen.get("sageMakerTrainingJobName") or "") or (
                training[made[0]] if made else "no job"
            )
            if actual != "Failed":
                why = str(seen.get("additional") or "")[:160]
                verdict.wrongly_failed[name] = f"SageMaker: {actual}; status: {why}"

    endpoints = await emulator.list_names("Endpoint")
    models = by_uid(await emulator.list_names("Model"))
    configs = by_uid(await emulator.list_names("EndpointConfig"))
    served = by_uid(endpoints)
    for name in workload.hostings:
        hosting = snapshot.hostings.get(name)
        if hosting is None:
            continue
        uid = uid_of(hosting)
        known.add(uid)
        made = served.get(uid, [])
        if len(made) > 1 or carried_out[uid] > 1:
            verdict.duplicates[name] = (
                f"{len(made)} endpoints, {carried_out[uid]} CreateEndpoint carried out"
            )
        seen = status(hosting)
        state = seen.get("endpointStatus")
        if state == "Failed":
            actual = endpoints.get(seen.get("endpointName") or "") or (
                endpoints[made[0]] if made else "no endpoint"
            )
            if actual != "Failed":
                why = str(seen.get("failureReason") or seen.get("additional") or "")[:160]
                verdict.wrongly_failed[name] = f"SageMaker: {actual}; status: {why}"
        elif state == "InService" and name not in verdict.lost:
            named = {pair["value"] for pair in seen.get("modelNames") or []}
            named.add(seen.get("endpointConfigName") or "")
            extra = sorted(set(models.get(uid, []) + configs.get(uid, [])) - named)
            if extra:
                verdict.orphans[name] = extra
    for grouped in (jobs, served, models, configs):
        verdict.strays += [n for uid, names in grouped.items() if uid not in known for n in names]
    return verdict
