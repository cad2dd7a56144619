"""The operator's controller runtime: the part that knows Kubernetes and nothing of SageMaker.

Informers keep caches of objects; changes become keys in rate-limited work queues; workers
call reconcilers; a manager runs the controllers with leader election, metrics and probes.
See docs/controller.md for the semantics.
"""

from controller.controller import Controller, ControllerRegistration
from controller.manager import Manager
from controller.reconcile import ReconcileContext, Reconciler, Result
from controller.resources import Kind, ObjectKey
from controller.workqueue import QueueShutDown, WorkQueue

__all__ = [
    "Controller",
    "ControllerRegistration",
    "Kind",
    "Manager",
    "ObjectKey",
    "QueueShutDown",
    "ReconcileContext",
    "Reconciler",
    "Result",
    "WorkQueue",
]
