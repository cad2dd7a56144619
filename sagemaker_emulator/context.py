"""What an operation handler gets: the world, the caller's region, and now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sagemaker_emulator.state import RegionState, World


@dataclass(frozen=True)
class RequestContext:
    world: World
    region: RegionState
    now: float


Params = dict[str, Any]
Response = dict[str, Any]
Handler = Callable[[RequestContext, Params], Response]
