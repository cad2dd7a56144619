"""What one long-lived SageMaker kind (model, endpoint, scaling policy) is to the service core.

The shape is ACK's resource manager: ``read`` what SageMaker has (ReadOne), ``create`` it
when it is missing, compute a ``delta`` from the spec and ``update`` it, ``settle`` (remove
what a change superseded), ``delete`` it with the resource. ``observe`` turns what was read
into the status. The core owns everything else: errors, conditions, Events, polling, and
when a change is applied at all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from apis.common import KindInfo
from controller.resources import Kind
from reconcilers.context import SageMakerContext

State = TypeVar("State")


@dataclass
class ServiceContext(SageMakerContext):
    """One reconcile's view of one resource of a service kind."""

    # The spec has a change the operator has not acted on yet: status.observedGeneration is
    # behind metadata.generation. Each generation gets one attempt; after that only drift
    # (something changed behind the operator's back) is repaired.
    pending: bool
    # What a kind derives from the spec once per pass (a HostingDeployment's plan).
    derived: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Observation:
    """What a kind makes of SageMaker's answer: its status fields and how it stands."""

    status: dict[str, Any]  # the kind's status fields, the primary one included
    ready: bool
    reason: str  # the Ready condition's reason
    message: str
    busy: bool = False  # SageMaker is moving: look again at the poll interval, not the drift one
    subject: str = ""  # the SageMaker object the status is about, for Events


@dataclass(frozen=True)
class Delta:
    """What differs between the spec and SageMaker, and why it must wait, if it must."""

    description: str
    blocked: str | None = None
    details: Any = None  # what the kind's update needs to know
    # Applying it acts on the pending generation; False for a first step (deleting a
    # Failed endpoint before creating it anew), after which the change is still pending.
    completes: bool = True


class NotYet(Exception):
    """A step that cannot happen now (an endpoint not InService, a model still in use).

    The status says why, one Event marks it, and the step is tried again later: after the
    poll interval, or with backoff when waiting longer is the likely answer.
    """

    def __init__(self, reason: str, message: str, *, backoff: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.backoff = backoff


class ServiceKind(ABC, Generic[State]):
    """A kind whose SageMaker objects live on and change with the spec."""

    kind: Kind
    info: KindInfo
    noun: str  # what the kind manages, for messages: "model", "endpoint", ...
    status_field: str  # the primary status field: "status", "endpointStatus", ...
    working_status: str | None = None  # the primary while a change is being applied
    deleting_status: str = "Deleting"

    @abstractmethod
    async def read(self, ctx: ServiceContext) -> State | None:
        """What SageMaker has for the spec as it is now; None when it has nothing."""

    @abstractmethod
    def recorded(self, ctx: ServiceContext) -> bool:
        """Whether the status records that what the spec wants was made (so a missing one
        was removed behind the operator's back, not refused)."""

    @abstractmethod
    async def create(self, ctx: ServiceContext) -> State:
        """Make what the spec wants; return what SageMaker then has."""

    def delta(self, ctx: ServiceContext, state: State) -> Delta | None:
        """What ``update`` must change, or None when SageMaker matches the spec."""
        return None

    async def update(self, ctx: ServiceContext, state: State, delta: Delta) -> State:
        raise NotImplementedError(f"{self.kind.kind} has no update")

    async def settle(self, ctx: ServiceContext, state: State) -> None:
        """Remove what an earlier spec made and the current one no longer uses."""

    @abstractmethod
    def observe(self, ctx: ServiceContext, state: State | None) -> Observation:
        """The status for ``state`` (None: nothing exists in SageMaker)."""

    @abstractmethod
    async def delete(self, ctx: ServiceContext) -> bool:
        """Remove everything the resource made; True once it is all gone."""
