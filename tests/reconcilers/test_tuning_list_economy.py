"""A tuning job with 500 training jobs lists its children only when a counter moved, newest
first, 100 to a page, and stops at the first child it already mirrors."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio.client.exceptions import ApiException

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator
from tests.reconcilers.test_tuning_children import UID_LABEL, tuning_sample

LIST_CHILDREN = "ListTrainingJobsForHyperParameterTuningJob"
CHILDREN = 500


async def mirrors(kube: Kube, selector: str) -> int:
    """How many mirrors there are; the apiserver may shed a list (429) under this load."""
    try:
        return len(await kube.list_items("TrainingJob", selector))
    except ApiException as error:
        if error.status != 429:
            raise
        return -1


async def test_500_children_cost_one_page_per_change(kube: Kube, emulator: RunningEmulator) -> None:
    emulator.control.set_timings(training_training=1e6)
    # One more job than run at once: stopping one makes room for the last.
    body = tuning_sample("wide", jobs=CHILDREN + 1, parallel=CHILDREN)
    # At the emulator's 150x, the sample's hour of runtime would end them all in 24 s.
    body["spec"]["trainingJobDefinition"]["stoppingCondition"]["maxRuntimeInSeconds"] = 2_000_000
    created = await kube.create(body)
    selector = f"{UID_LABEL}={created['metadata']['uid']}"
    async with running_operator(
        kube, emulator.url, default_sagemaker_requests_per_second=1000.0
    ) as operator:
        poll = operator.manager.options.job_poll_interval_seconds
        async with asyncio.timeout(120):
            while await mirrors(kube, selector) < CHILDREN:
                await asyncio.sleep(0.5)
        tuning = await kube.get("HyperparameterTuningJob", "wide")
        assert tuning is not None
        tuning_name = tuning["status"]["sageMakerHyperParameterTuningJobName"]
        await asyncio.sleep(poll * 5)

        # Nothing moves: the tuning job is neither described nor asked for its children.
        emulator.control.reset_requests()
        await asyncio.sleep(poll * 12)
        assert emulator.control.requests.count(operation=LIST_CHILDREN) == 0
        assert emulator.control.requests.count(operation="DescribeHyperParameterTuningJob") == 0

        # One child ends and the last one starts: one page, newest first, up to the first
        # child already mirrored (500 at SageMaker's default of 10 a page would be 51 calls).
        async with emulator.client("sagemaker") as sagemaker:
            listed = await sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=tuning_name, MaxResults=1
            )
            await sagemaker.stop_training_job(
                TrainingJobName=listed["TrainingJobSummaries"][0]["TrainingJobName"]
            )
        async with asyncio.timeout(60):
            while await mirrors(kube, selector) < CHILDREN + 1:
                await asyncio.sleep(0.2)
        await asyncio.sleep(poll * 5)
    assert 1 <= emulator.control.requests.count(operation=LIST_CHILDREN) <= 2
