"""A manager process for leader-election tests: the real CLI with a Widget controller.

Run as ``python -m tests.controller.candidate <sagemaker-operator flags>``. Its reconciler
stamps ``status.reconciledBy`` with this replica's identity, so a test can see who reconciled,
and logs ``candidate_reconcile`` each time it starts. With ``CANDIDATE_POLL_SECONDS`` set, it
asks to be called again after that long, as a job poller does, so it always has work due.
With ``CANDIDATE_FAIL_HOLDING_CREDENTIALS`` set, every reconcile fails from a frame whose
locals hold the AWS credentials of the environment, as botocore's signer frames do.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import structlog
from botocore.credentials import Credentials
from prometheus_client import CollectorRegistry

from controller.__main__ import main
from controller.controller import ControllerRegistration
from controller.kube_client import request_json
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Result
from controller.resources import ObjectKey
from tests.controller.kube_helpers import WIDGET


def _fail_holding_credentials() -> None:
    credentials = Credentials(
        os.environ["AWS_ACCESS_KEY_ID"],
        os.environ["AWS_SECRET_ACCESS_KEY"],
        os.environ.get("AWS_SESSION_TOKEN"),
    )
    frozen = credentials.get_frozen_credentials()
    secret_key, token = frozen.secret_key, frozen.token
    assert secret_key
    assert token is not None
    raise RuntimeError("SageMaker refused the request (InvalidSignatureException)")


class StampingReconciler:
    def __init__(self, context: ReconcileContext, identity: str) -> None:
        self.context = context
        self.identity = identity
        poll = os.environ.get("CANDIDATE_POLL_SECONDS")
        self.done = Result.after(float(poll)) if poll else Result.done()

    async def reconcile(self, key: ObjectKey) -> Result:
        structlog.get_logger("candidate").info("candidate_reconcile", key=str(key))
        if os.environ.get("CANDIDATE_FAIL_HOLDING_CREDENTIALS"):
            _fail_holding_credentials()
        obj = self.context.cache.get(key)
        if obj is None:
            return Result.done()
        if (obj.get("status") or {}).get("reconciledBy") == self.identity:
            return self.done
        await request_json(
            self.context.api,
            "PATCH",
            f"{WIDGET.collection_path(key.namespace)}/{key.name}/status",
            body={"status": {"reconciledBy": self.identity}},
            content_type="application/merge-patch+json",
            request_timeout=5,
        )
        return self.done


def registry(
    options: ManagerOptions, metrics_registry: CollectorRegistry
) -> Sequence[ControllerRegistration]:
    identity = options.leader_election_identity

    def factory(context: ReconcileContext) -> StampingReconciler:
        return StampingReconciler(context, identity)

    return [ControllerRegistration("widget", WIDGET, factory, concurrency=2)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], registry=registry))
