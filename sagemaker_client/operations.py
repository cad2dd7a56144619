"""Every AWS operation the operator calls, by botocore service name.

The operator's botocore clients load their service models from ``botocore_data/``, trimmed
by ``python -m sagemaker_client.trim_models`` to these operations and the shapes they use:
botocore's whole SageMaker model (hundreds of operations, with their documentation) costs
tens of MiB once parsed, for the few dozen calls the operator makes. A call to an operation
missing here has no method on the client; tests/sagemaker_client/test_trimmed_models.py
checks the list against the operation names the code uses.
"""

from __future__ import annotations

import os
from pathlib import Path

SAGEMAKER = "sagemaker"
AUTOSCALING = "application-autoscaling"

OPERATIONS: dict[str, tuple[str, ...]] = {
    SAGEMAKER: (
        "AddTags",
        "CreateEndpoint",
        "CreateEndpointConfig",
        "CreateHyperParameterTuningJob",
        "CreateModel",
        "CreateProcessingJob",
        "CreateTrainingJob",
        "CreateTransformJob",
        "DeleteEndpoint",
        "DeleteEndpointConfig",
        "DeleteModel",
        "DescribeEndpoint",
        "DescribeEndpointConfig",
        "DescribeHyperParameterTuningJob",
        "DescribeModel",
        "DescribeProcessingJob",
        "DescribeTrainingJob",
        "DescribeTransformJob",
        "ListEndpointConfigs",
        "ListEndpoints",
        "ListHyperParameterTuningJobs",
        "ListModels",
        "ListProcessingJobs",
        "ListTags",
        "ListTrainingJobs",
        "ListTrainingJobsForHyperParameterTuningJob",
        "ListTransformJobs",
        "StopHyperParameterTuningJob",
        "StopProcessingJob",
        "StopTrainingJob",
        "StopTransformJob",
        "UpdateEndpoint",
        "UpdateEndpointWeightsAndCapacities",
    ),
    AUTOSCALING: (
        "DeleteScalingPolicy",
        "DeregisterScalableTarget",
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
        "PutScalingPolicy",
        "RegisterScalableTarget",
    ),
}

DATA_PATH = Path(__file__).resolve().parent / "botocore_data"
"""botocore's ``data_path``: searched before botocore's own models."""


def data_path_setting(current: str | None) -> str:
    """The session's ``data_path`` with ours first (an admin's own paths are kept after)."""
    return os.pathsep.join([str(DATA_PATH), *([current] if current else [])])
