"""The Kubernetes coordinates of the kinds the reconcilers serve."""

from __future__ import annotations

from apis.batch_transform_job import BATCH_TRANSFORM_JOB
from apis.common import GROUP, VERSION, KindInfo
from apis.endpoint_config import ENDPOINT_CONFIG
from apis.hosting_autoscaling_policy import HOSTING_AUTOSCALING_POLICY
from apis.hosting_deployment import HOSTING_DEPLOYMENT
from apis.hyperparameter_tuning_job import HYPERPARAMETER_TUNING_JOB
from apis.model import MODEL
from apis.processing_job import PROCESSING_JOB
from apis.training_job import TRAINING_JOB
from controller.resources import Kind


def kind_of(info: KindInfo) -> Kind:
    return Kind(group=GROUP, version=VERSION, plural=info.plural, kind=info.kind)


TRAINING_JOB_KIND = kind_of(TRAINING_JOB)
TUNING_JOB_KIND = kind_of(HYPERPARAMETER_TUNING_JOB)
TRANSFORM_JOB_KIND = kind_of(BATCH_TRANSFORM_JOB)
PROCESSING_JOB_KIND = kind_of(PROCESSING_JOB)
MODEL_KIND = kind_of(MODEL)
ENDPOINT_CONFIG_KIND = kind_of(ENDPOINT_CONFIG)
HOSTING_DEPLOYMENT_KIND = kind_of(HOSTING_DEPLOYMENT)
HOSTING_AUTOSCALING_POLICY_KIND = kind_of(HOSTING_AUTOSCALING_POLICY)

# Where each kind's status says what SageMaker reports: the reconcilers write it, and the
# demo and tests read it.
STATUS_FIELDS = {
    TRAINING_JOB_KIND.kind: "trainingJobStatus",
    TUNING_JOB_KIND.kind: "hyperParameterTuningJobStatus",
    TRANSFORM_JOB_KIND.kind: "transformJobStatus",
    PROCESSING_JOB_KIND.kind: "processingJobStatus",
    MODEL_KIND.kind: "status",
    ENDPOINT_CONFIG_KIND.kind: "status",
    HOSTING_DEPLOYMENT_KIND.kind: "endpointStatus",
    HOSTING_AUTOSCALING_POLICY_KIND.kind: "hostingAutoscalingPolicyStatus",
}
