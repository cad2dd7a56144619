"""What every reconciler shares in one operator process."""

from __future__ import annotations

from dataclasses import dataclass

from sagemaker_client.clients import SageMakerClients


@dataclass(frozen=True)
class OperatorRuntime:
    sagemaker: SageMakerClients
    job_poll_interval: float = 60.0
