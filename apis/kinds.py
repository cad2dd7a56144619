"""Every kind the operator serves, in the order the CRDs are written."""

from __future__ import annotations

from apis.batch_transform_job import BATCH_TRANSFORM_JOB
from apis.common import KindInfo
from apis.endpoint_config import ENDPOINT_CONFIG
from apis.hosting_autoscaling_policy import HOSTING_AUTOSCALING_POLICY
from apis.hosting_deployment import HOSTING_DEPLOYMENT
from apis.hyperparameter_tuning_job import HYPERPARAMETER_TUNING_JOB
from apis.model import MODEL
from apis.processing_job import PROCESSING_JOB
from apis.training_job import TRAINING_JOB

ALL_KINDS: tuple[KindInfo, ...] = (
    TRAINING_JOB,
    HYPERPARAMETER_TUNING_JOB,
    BATCH_TRANSFORM_JOB,
    PROCESSING_JOB,
    MODEL,
    ENDPOINT_CONFIG,
    HOSTING_DEPLOYMENT,
    HOSTING_AUTOSCALING_POLICY,
)
