"""The Kubernetes coordinates of the kinds the reconcilers serve."""

from __future__ import annotations

from apis.batch_transform_job import BATCH_TRANSFORM_JOB
from apis.common import GROUP, VERSION, KindInfo
from apis.hyperparameter_tuning_job import HYPERPARAMETER_TUNING_JOB
from apis.processing_job import PROCESSING_JOB
from apis.training_job import TRAINING_JOB
from controller.resources import Kind


def kind_of(info: KindInfo) -> Kind:
    return Kind(group=GROUP, version=VERSION, plural=info.plural, kind=info.kind)


TRAINING_JOB_KIND = kind_of(TRAINING_JOB)
TUNING_JOB_KIND = kind_of(HYPERPARAMETER_TUNING_JOB)
TRANSFORM_JOB_KIND = kind_of(BATCH_TRANSFORM_JOB)
PROCESSING_JOB_KIND = kind_of(PROCESSING_JOB)

# Where each job kind's status says what SageMaker reports: the reconcilers write it, and
# the demo and tests read it.
JOB_STATUS_FIELDS = {
    TRAINING_JOB_KIND.kind: "trainingJobStatus",
    TUNING_JOB_KIND.kind: "hyperParameterTuningJobStatus",
    TRANSFORM_JOB_KIND.kind: "transformJobStatus",
    PROCESSING_JOB_KIND.kind: "processingJobStatus",
}
