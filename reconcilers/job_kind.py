"""What one SageMaker job kind is to the job core, and one reconcile's view of a resource."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from apis.common import KindInfo
from controller.resources import Kind, KubeObject
from reconcilers.change_feed import ListSpec
from reconcilers.context import SageMakerContext

SYNCHRONIZING = "SynchronizingK8sJobWithSageMaker"
TERMINAL = frozenset({"Completed", "Failed", "Stopped"})
RUNNING = frozenset({"InProgress", "Stopping"})

ChildrenHook = Callable[["JobContext", Mapping[str, Any]], Awaitable[None]]
ReleaseHook = Callable[[KubeObject], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    """What differs between job kinds; the core does everything else."""

    kind: Kind
    info: KindInfo
    name_field: str  # spec field where a user may fix the SageMaker name
    status_name_field: str  # status field that records the SageMaker name
    status_field: str  # status field with SageMaker's primary status
    name_limit: int
    name_param: str  # e.g. TrainingJobName
    describe_status_key: str  # e.g. TrainingJobStatus
    arn_key: str  # e.g. TrainingJobArn
    create_operation: str
    describe_operation: str
    stop_operation: str
    build_request: Callable[[Any, str], dict[str, Any]]
    status_from_describe: Callable[[Mapping[str, Any], str], BaseModel]
    # Tuning jobs mirror their training jobs as resources; other kinds have no children.
    sync_children: ChildrenHook | None = None
    release_children: ReleaseHook | None = None
    is_mirror: Callable[[KubeObject], bool] = field(default=lambda obj: False)
    # Whether SageMaker still changes a job that reached a terminal status (a training
    # job's debugger and profiler rules go on evaluating), judged from the status.
    still_changing: Callable[[Mapping[str, Any]], bool] = field(default=lambda status: False)
    # The List* call that says which jobs of the kind changed (see change_feed); without
    # one, a running job is described at every poll.
    changes: ListSpec | None = None


@dataclass
class JobContext(SageMakerContext):
    """One reconcile's view of one job resource."""

    sagemaker_name: str
