"""The controllers the operator runs: one per kind, all sharing one SageMaker client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry

from controller.controller import ControllerRegistration
from controller.options import ManagerOptions
from controller.reconcile import ReconcileContext, Reconciler
from controller.resources import Kind
from reconcilers.batch_transform_job import BATCH_TRANSFORM_JOB_DESCRIPTOR
from reconcilers.endpoint_config import ENDPOINT_CONFIG_DESCRIPTOR
from reconcilers.hosting_autoscaling_policy import HOSTING_AUTOSCALING_POLICY_DESCRIPTOR
from reconcilers.hosting_deployment import HOSTING_DEPLOYMENT_DESCRIPTOR
from reconcilers.hyperparameter_tuning_job import TuningChildren, tuning_job_descriptor
from reconcilers.job_core import JobReconciler
from reconcilers.job_kind import JobKind
from reconcilers.kinds import TRAINING_JOB_KIND, TUNING_JOB_KIND
from reconcilers.kube import KubeWriter
from reconcilers.model import MODEL_DESCRIPTOR
from reconcilers.processing_job import PROCESSING_JOB_DESCRIPTOR
from reconcilers.runtime import OperatorRuntime
from reconcilers.service_core import ServiceReconciler
from reconcilers.service_kind import ServiceKind
from reconcilers.training_job import TRAINING_JOB_DESCRIPTOR
from sagemaker_client.budget import RequestBudget
from sagemaker_client.clients import SageMakerClients
from sagemaker_client.metrics import SageMakerMetrics


def make_runtime(options: ManagerOptions, registry: CollectorRegistry | None) -> OperatorRuntime:
    budget = RequestBudget(
        options.default_sagemaker_requests_per_second,
        per_region=dict(options.sagemaker_requests_per_second_per_region),
    )
    clients = SageMakerClients(
        budget,
        SageMakerMetrics(registry),
        default_endpoint=options.sagemaker_endpoint,
        allowed_endpoints=options.sagemaker_endpoint_allow,
    )
    return OperatorRuntime(
        sagemaker=clients,
        job_poll_interval=options.job_poll_interval_seconds,
        drift_check_interval=options.drift_check_interval_seconds,
        credential_retry_cap=options.max_retry_backoff_seconds,
    )


def _controller(
    kind: Kind,
    build: Callable[[ReconcileContext, KubeWriter], Reconciler],
    runtime: OperatorRuntime,
    options: ManagerOptions,
    owned: tuple[Kind, ...] = (),
) -> ControllerRegistration:
    """A controller named after its kind; ``build`` makes its reconciler."""
    name = kind.kind.lower()

    def factory(ctx: ReconcileContext) -> Reconciler:
        if ctx.ensure_leading is not None:
            # One elector per process: every controller's guard asks the same one.
            runtime.sagemaker.guard = ctx.ensure_leading
        return build(ctx, KubeWriter(ctx.api, ctx.kind))

    return ControllerRegistration(
        name=name,
        kind=kind,
        reconciler_factory=factory,
        owned=owned,
        concurrency=options.concurrency_for(name),
        close=runtime.aclose,
    )


def _job_controller(
    job: JobKind, runtime: OperatorRuntime, options: ManagerOptions
) -> ControllerRegistration:
    def build(ctx: ReconcileContext, writer: KubeWriter) -> Reconciler:
        return JobReconciler(job, ctx.cache, writer, runtime, wake=ctx.wake)

    return _controller(job.kind, build, runtime, options)


def _tuning_controller(runtime: OperatorRuntime, options: ManagerOptions) -> ControllerRegistration:
    def build(ctx: ReconcileContext, writer: KubeWriter) -> Reconciler:
        children = TuningChildren(ctx.api, ctx.owned_caches.get(TRAINING_JOB_KIND))
        descriptor = tuning_job_descriptor(children)
        return JobReconciler(descriptor, ctx.cache, writer, runtime, wake=ctx.wake)

    return _controller(TUNING_JOB_KIND, build, runtime, options, owned=(TRAINING_JOB_KIND,))


def _service_controller(
    service: ServiceKind[Any], runtime: OperatorRuntime, options: ManagerOptions
) -> ControllerRegistration:
    def build(ctx: ReconcileContext, writer: KubeWriter) -> Reconciler:
        return ServiceReconciler(service, ctx.cache, writer, runtime)

    return _controller(service.kind, build, runtime, options)


def controllers(
    options: ManagerOptions,
    registry: CollectorRegistry | None = None,
    runtime: OperatorRuntime | None = None,
) -> Sequence[ControllerRegistration]:
    runtime = runtime or make_runtime(options, registry)
    services = (
        MODEL_DESCRIPTOR,
        ENDPOINT_CONFIG_DESCRIPTOR,
        HOSTING_DEPLOYMENT_DESCRIPTOR,
        HOSTING_AUTOSCALING_POLICY_DESCRIPTOR,
    )
    return [
        _job_controller(TRAINING_JOB_DESCRIPTOR, runtime, options),
        _tuning_controller(runtime, options),
        _job_controller(BATCH_TRANSFORM_JOB_DESCRIPTOR, runtime, options),
        _job_controller(PROCESSING_JOB_DESCRIPTOR, runtime, options),
        *(_service_controller(service, runtime, options) for service in services),
    ]
