"""Talking to SageMaker: clients, the request budget, error classification, metrics."""

from sagemaker_client.budget import RequestBudget
from sagemaker_client.clients import SageMakerClients, resolve_endpoint
from sagemaker_client.errors import SageMakerError, classify
from sagemaker_client.metrics import SageMakerMetrics

__all__ = [
    "RequestBudget",
    "SageMakerClients",
    "SageMakerError",
    "SageMakerMetrics",
    "classify",
    "resolve_endpoint",
]
