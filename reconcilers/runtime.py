"""What every reconciler shares in one operator process."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from reconcilers.change_feed import ChangeFeed
from sagemaker_client.clients import SageMakerClients

_CREDENTIAL_RETRY_BASE = 5.0


@dataclass(frozen=True)
class OperatorRuntime:
    sagemaker: SageMakerClients
    # How often something SageMaker is still moving (a running job, a Creating endpoint) is
    # looked at again.
    job_poll_interval: float = 5.0
    # How often something settled (an InService endpoint, a created model) is checked for
    # changes made behind the operator's back.
    drift_check_interval: float = 600.0
    # The longest wait between retries when the operator's own credentials are refused.
    credential_retry_cap: float = 300.0
    # Which running jobs changed: per kind, region and endpoint a ticker lists every poll
    # interval and wakes the jobs that changed (see change_feed). A reconcile that is not a
    # wake-up uses the ticker's last list unless it is older than 1.5 intervals (the
    # ticker stopped: no job of the scope was watched).
    changes: ChangeFeed = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        feed = ChangeFeed(
            self.sagemaker,
            freshness=1.5 * self.job_poll_interval,
            interval=self.job_poll_interval,
        )
        object.__setattr__(self, "changes", feed)

    async def aclose(self) -> None:
        """Stop the change tickers, then close the SageMaker clients they call."""
        await self.changes.aclose()
        await self.sagemaker.aclose()

    def poll_delay(self) -> float:
        # Jitter keeps a thousand resources created together from polling in lockstep.
        return self.job_poll_interval * random.uniform(0.8, 1.2)

    def watched_delay(self) -> float:
        """When a running job the change feed watches is reconciled anyway: a safety net
        (the feed wakes it when it changes), so the drift interval, not the poll one."""
        return self.drift_delay()

    def drift_delay(self) -> float:
        return self.drift_check_interval * random.uniform(0.9, 1.1)

    def credential_delay(self, failures: int) -> float:
        """After ``failures`` refusals in a row: 5 s, doubling, capped, with jitter. Every
        call fails alike while credentials are refused, so this starts long, unlike the
        queue's millisecond backoff, and does not hammer SageMaker or STS."""
        delay = min(self.credential_retry_cap, _CREDENTIAL_RETRY_BASE * 2.0 ** min(failures, 16))
        return float(delay * random.uniform(0.8, 1.2))
