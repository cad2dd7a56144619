"""The kinds whose logs the plugin reads, and every name a user may call them by."""

from __future__ import annotations

from dataclasses import dataclass

GROUP, VERSION = "sagemaker.aws.amazon.com", "v1"

# The label the operator puts on the TrainingJobs a tuning job launched (the reconciler's
# TUNING_JOB_LABEL; a test keeps the two equal). Importing the reconciler would load the
# whole operator into a command-line tool.
TUNING_JOB_LABEL = "sagemaker.aws.amazon.com/hyperparameter-tuning-job"
TUNING_JOB_UID_LABEL = "sagemaker.aws.amazon.com/hyperparameter-tuning-job-uid"


@dataclass(frozen=True)
class JobKind:
    kind: str
    plural: str
    short_names: tuple[str, ...]
    # Where SageMaker writes the job's logs; None for a kind that has none of its own.
    log_group: str | None
    # status fields: the SageMaker job name and its primary status
    name_field: str
    status_field: str
    # How the header names the SageMaker job: "TrainingJobName"
    sagemaker_noun: str
    has_secondary_status: bool = False

    @property
    def resource(self) -> str:
        return f"{self.plural}.{GROUP}"

    def names(self) -> tuple[str, ...]:
        return (self.kind, self.kind.lower(), self.plural, *self.short_names)


TRAINING_JOB = JobKind(
    "TrainingJob",
    "trainingjobs",
    ("tj",),
    "/aws/sagemaker/TrainingJobs",
    "sageMakerTrainingJobName",
    "trainingJobStatus",
    "TrainingJobName",
    has_secondary_status=True,
)
BATCH_TRANSFORM_JOB = JobKind(
    "BatchTransformJob",
    "batchtransformjobs",
    ("btj",),
    "/aws/sagemaker/TransformJobs",
    "sageMakerTransformJobName",
    "transformJobStatus",
    "TransformJobName",
)
PROCESSING_JOB = JobKind(
    "ProcessingJob",
    "processingjobs",
    ("pj",),
    "/aws/sagemaker/ProcessingJobs",
    "sageMakerProcessingJobName",
    "processingJobStatus",
    "ProcessingJobName",
)
HYPERPARAMETER_TUNING_JOB = JobKind(
    "HyperparameterTuningJob",
    "hyperparametertuningjobs",
    ("hpo",),
    None,
    "sageMakerHyperParameterTuningJobName",
    "hyperParameterTuningJobStatus",
    "HyperParameterTuningJobName",
)

# The commands the help lists, in its (alphabetical) order; the tuning job is answered
# but not listed, as in the old plugin.
LOG_KINDS = (BATCH_TRANSFORM_JOB, PROCESSING_JOB, TRAINING_JOB)
ALL_KINDS = (*LOG_KINDS, HYPERPARAMETER_TUNING_JOB)

TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


def find_kind(word: str) -> JobKind | None:
    """The kind a command word names: kind, plural or short name, in any case."""
    wanted = word.lower()
    for kind in ALL_KINDS:
        if wanted in {name.lower() for name in kind.names()}:
            return kind
    return None
