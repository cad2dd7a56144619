"""A tuning job's training jobs appear as TrainingJob resources and leave with it."""

from __future__ import annotations

from typing import Any

from sagemaker_emulator.testing import RunningEmulator
from tests.reconcilers.harness import Kube, running_operator, sample

UID_LABEL = "sagemaker.aws.amazon.com/hyperparameter-tuning-job-uid"


def tuning_sample(name: str, jobs: int, parallel: int) -> dict[str, Any]:
    body = sample("HyperparameterTuningJob", name)
    limits = body["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]
    limits["maxNumberOfTrainingJobs"] = jobs
    limits["maxParallelTrainingJobs"] = parallel
    return body


async def test_tuning_job_mirrors_its_training_jobs(kube: Kube, emulator: RunningEmulator) -> None:
    created = await kube.create(tuning_sample("tune", jobs=4, parallel=2))
    uid = created["metadata"]["uid"]
    async with running_operator(kube, emulator.url):
        done = await kube.wait_for_status(
            "HyperparameterTuningJob", "tune", "Completed", seconds=60
        )
        tuning_name = done["status"]["sageMakerHyperParameterTuningJobName"]

        async with emulator.client("sagemaker") as sagemaker:
            listed = await sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=tuning_name
            )
        launched = sorted(s["TrainingJobName"] for s in listed["TrainingJobSummaries"])
        assert len(launched) == 4

        # Every launched job is mirrored and the mirror reaches the job's final status.
        for job in launched:
            mirror = await kube.wait_for_status("TrainingJob", job.lower(), "Completed")
            assert mirror["spec"]["trainingJobName"] == job
            assert mirror["metadata"]["labels"][UID_LABEL] == uid
            owner = mirror["metadata"]["ownerReferences"][0]
            assert (owner["kind"], owner["uid"], owner["controller"]) == (
                "HyperparameterTuningJob",
                uid,
                True,
            )
            assert "sagemaker-operator-finalizer" not in (
                mirror["metadata"].get("finalizers") or []
            )
        mirrors = await kube.list_items("TrainingJob", f"{UID_LABEL}={uid}")
        assert sorted(m["metadata"]["name"] for m in mirrors) == [j.lower() for j in launched]

        counters = done["status"]["trainingJobStatusCounters"]
        assert counters["completed"] == 4
        assert counters["inProgress"] == 0
        assert counters["totalError"] == counters["retryableError"] + counters["nonRetryableError"]
        best = done["status"]["bestTrainingJob"]
        assert best["trainingJobName"] in launched
        assert best["finalHyperParameterTuningJobObjectiveMetric"]["metricName"] == (
            "validation:error"
        )

        # The operator never created a training job itself: SageMaker launched them all.
        assert emulator.control.requests.count(operation="CreateTrainingJob") == 0

        await kube.delete("HyperparameterTuningJob", "tune")
        await kube.wait_for("HyperparameterTuningJob", "tune", lambda o: o is None)
        assert await kube.list_items("TrainingJob", f"{UID_LABEL}={uid}") == []


async def test_deleting_a_running_tuning_job_stops_it(
    kube: Kube, emulator: RunningEmulator
) -> None:
    emulator.control.set_timings(training_training=1e6)
    created = await kube.create(tuning_sample("tune-stop", jobs=3, parallel=3))
    uid = created["metadata"]["uid"]
    async with running_operator(kube, emulator.url):
        await kube.wait_for(
            "HyperparameterTuningJob",
            "tune-stop",
            lambda o: (
                ((o or {}).get("status") or {})
                .get("trainingJobStatusCounters", {})
                .get("inProgress")
                == 3
            ),
        )
        running = await kube.get("HyperparameterTuningJob", "tune-stop")
        assert running is not None
        name = running["status"]["sageMakerHyperParameterTuningJobName"]
        await kube.delete("HyperparameterTuningJob", "tune-stop")
        await kube.wait_for("HyperparameterTuningJob", "tune-stop", lambda o: o is None)
        assert await kube.list_items("TrainingJob", f"{UID_LABEL}={uid}") == []
    async with emulator.client("sagemaker") as sagemaker:
        described = await sagemaker.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
        listed = await sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert {s["TrainingJobStatus"] for s in listed["TrainingJobSummaries"]} == {"Stopped"}
