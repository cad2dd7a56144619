"""HyperparameterTuningJob, and a mirroring TrainingJob resource per launched training job.

Every training job SageMaker launches for a tuning job appears as a TrainingJob resource in
the tuning job's namespace, named after the SageMaker job, labelled with and owned by the
tuning job. The TrainingJob reconciler recognises them by that owner and only mirrors
them: it never creates, stops or finalizes one (the tuning job owns their lifecycle), so
`kubectl get trainingjobs` and `kubectl smlogs` work on them and nothing is run twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import ValidationError

from apis.common import API_VERSION
from apis.hyperparameter_tuning_job import HYPERPARAMETER_TUNING_JOB, HyperparameterTuningJobStatus
from apis.training_job import TrainingJobSpec
from controller.cache import ObjectCache
from controller.handlers import OWNER_INDEX
from controller.kube_client import KubeApi, KubeError
from controller.resources import KubeObject, ObjectKey
from reconcilers.change_feed import ListSpec
from reconcilers.job_kind import TERMINAL, JobContext, JobKind
from reconcilers.kinds import STATUS_FIELDS, TRAINING_JOB_KIND, TUNING_JOB_KIND
from reconcilers.kube import create, delete_labelled, metadata
from sagemaker_client.conversions.requests import create_hyper_parameter_tuning_job
from sagemaker_client.conversions.statuses import hyperparameter_tuning_job_status

TUNING_JOB_LABEL = "sagemaker.aws.amazon.com/hyperparameter-tuning-job"
TUNING_JOB_UID_LABEL = "sagemaker.aws.amazon.com/hyperparameter-tuning-job-uid"
_LIST_OPERATION = "ListTrainingJobsForHyperParameterTuningJob"
_PAGE_SIZE = 100  # SageMaker's largest page
_REQUEST_TIMEOUT = 30.0
# Fields a tuning job's training definition shares with a TrainingJob spec, by JSON name.
_TRAINING_FIELDS = frozenset(
    (field.alias or name) for name, field in TrainingJobSpec.model_fields.items()
)

log = structlog.get_logger("reconcilers.tuning")


def _status(describe: Mapping[str, Any], region: str) -> HyperparameterTuningJobStatus:
    return hyperparameter_tuning_job_status(describe)


def child_spec(tuning_spec: Mapping[str, Any], summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The TrainingJob spec that describes one training job a tuning job launched."""
    definition: Mapping[str, Any] | None = tuning_spec.get("trainingJobDefinition")
    wanted = summary.get("TrainingJobDefinitionName")
    for candidate in tuning_spec.get("trainingJobDefinitions") or []:
        if definition is None or candidate.get("definitionName") == wanted:
            definition = candidate
    if definition is None:
        return None
    spec = {k: v for k, v in definition.items() if k in _TRAINING_FIELDS}
    static = {
        item["name"]: item.get("value", "")
        for item in definition.get("staticHyperParameters") or []
    }
    static.update(summary.get("TunedHyperParameters") or {})
    spec["hyperParameters"] = [{"name": k, "value": str(v)} for k, v in sorted(static.items())]
    spec["trainingJobName"] = summary["TrainingJobName"]
    spec["region"] = tuning_spec["region"]
    if tuning_spec.get("sageMakerEndpoint"):
        spec["sageMakerEndpoint"] = tuning_spec["sageMakerEndpoint"]
    try:
        TrainingJobSpec.model_validate(spec)
    except ValidationError as error:
        log.warning("tuning_child_spec_invalid", job=summary["TrainingJobName"], error=str(error))
        return None
    return spec


class TuningChildren:
    """Creates and removes the TrainingJob resources that mirror a tuning job's jobs."""

    def __init__(self, api: KubeApi, training_jobs: ObjectCache | None) -> None:
        self._api = api
        self._training_jobs = training_jobs
        # Each tuning job's TrainingJobStatusCounters when its children were last listed:
        # a child is only ever added with a counter moving, so unchanged ones need no list.
        self._listed_counters: dict[str, Mapping[str, Any]] = {}

    def known(self, owner: KubeObject) -> set[str]:
        """The names of the TrainingJobs ``owner`` controls, from the shared cache's index."""
        if self._training_jobs is None:
            return set()
        uid = str(metadata(owner).get("uid", ""))
        return {key.name for key in self._training_jobs.by_index(OWNER_INDEX, uid)}

    def _cached(self, key: ObjectKey) -> bool:
        return self._training_jobs is not None and key in self._training_jobs

    async def sync(self, ctx: JobContext, describe: Mapping[str, Any]) -> None:
        uid = ctx.uid
        counters = describe.get("TrainingJobStatusCounters")
        if counters is not None and self._listed_counters.get(uid) == counters:
            return  # no child started or ended since the last list
        known = self.known(ctx.obj)
        namespace = metadata(ctx.obj)["namespace"]
        launched = None if counters is None else sum(int(n) for n in counters.values())
        for summary in await self._launched(ctx, known, launched):
            name = str(summary["TrainingJobName"]).lower()
            if name in known or self._cached(ObjectKey(namespace, name)):
                continue  # ours already, or a namesake we must not take over
            spec = child_spec(ctx.obj.get("spec") or {}, summary)
            if spec is None:
                continue
            await self._create(ctx.obj, name, spec)
        if describe.get("HyperParameterTuningJobStatus") in TERMINAL:
            self._listed_counters.pop(uid, None)  # never listed again
        elif counters is not None:
            self._listed_counters[uid] = counters

    async def _launched(
        self, ctx: JobContext, known: set[str], launched: int | None
    ) -> list[Mapping[str, Any]]:
        """The children newer than the newest one already mirrored, newest first.

        It stops at the first known child once every launched child (``launched``, from the
        counters) is accounted for, known or new: one missing further down (a mirror
        deleted, or a crash between two creates) makes it read on.
        """
        summaries: list[Mapping[str, Any]] = []
        params: dict[str, Any] = {
            "HyperParameterTuningJobName": ctx.sagemaker_name,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": _PAGE_SIZE,
        }
        while True:
            page = await ctx.call(_LIST_OPERATION, params)
            for summary in page.get("TrainingJobSummaries", []):
                if str(summary["TrainingJobName"]).lower() not in known:
                    summaries.append(summary)
                elif launched is None or len(known) + len(summaries) >= launched:
                    return summaries
            token = page.get("NextToken")
            if not token:
                return summaries
            params = {**params, "NextToken": token}

    async def _create(self, owner: KubeObject, name: str, spec: dict[str, Any]) -> None:
        meta = metadata(owner)
        labels = {TUNING_JOB_UID_LABEL: meta["uid"]}
        if len(meta["name"]) <= 63:
            labels[TUNING_JOB_LABEL] = meta["name"]
        body = {
            "apiVersion": API_VERSION,
            "kind": TRAINING_JOB_KIND.kind,
            "metadata": {
                "name": name,
                "namespace": meta["namespace"],
                "labels": labels,
                "ownerReferences": [
                    {
                        "apiVersion": API_VERSION,
                        "kind": TUNING_JOB_KIND.kind,
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": spec,
        }
        try:
            await create(self._api, TRAINING_JOB_KIND, meta["namespace"], body)
            log.info("tuning_child_created", tuning_job=meta["name"], training_job=name)
        except KubeError as error:
            if error.status != 409:  # already there: made by an earlier pass
                raise

    async def release(self, owner: KubeObject) -> None:
        """Delete the mirrors with their tuning job (no garbage collector is assumed)."""
        meta = metadata(owner)
        self._listed_counters.pop(str(meta["uid"]), None)
        labels = {TUNING_JOB_UID_LABEL: meta["uid"]}
        await delete_labelled(self._api, TRAINING_JOB_KIND, meta["namespace"], labels)


def tuning_job_descriptor(children: TuningChildren) -> JobKind:
    return JobKind(
        kind=TUNING_JOB_KIND,
        info=HYPERPARAMETER_TUNING_JOB,
        name_field="hyperParameterTuningJobName",
        status_name_field="sageMakerHyperParameterTuningJobName",
        status_field=STATUS_FIELDS[TUNING_JOB_KIND.kind],
        name_limit=32,
        name_param="HyperParameterTuningJobName",
        describe_status_key="HyperParameterTuningJobStatus",
        arn_key="HyperParameterTuningJobArn",
        create_operation="CreateHyperParameterTuningJob",
        describe_operation="DescribeHyperParameterTuningJob",
        stop_operation="StopHyperParameterTuningJob",
        build_request=create_hyper_parameter_tuning_job,
        status_from_describe=_status,
        sync_children=children.sync,
        release_children=children.release,
        changes=ListSpec(
            "ListHyperParameterTuningJobs",
            "HyperParameterTuningJobSummaries",
            "HyperParameterTuningJobName",
        ),
    )
