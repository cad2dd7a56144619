"""Discrete events on the emulated clock, applied lazily.

Nothing runs in the background: before every request the due events are
applied in time order, each at its own timestamp. A cascade (a finished
training job starting the next one of a tuning job) therefore lands at the
exact emulated instant it would have happened, however late it is observed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from sagemaker_emulator.clock import Clock

Action = Callable[[float], None]


@dataclass(order=True)
class _Event:
    when: float
    sequence: int
    action: Action = field(compare=False)


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._events: list[_Event] = []
        self._sequence = itertools.count()

    def at(self, when: float, action: Action) -> None:
        heapq.heappush(self._events, _Event(when, next(self._sequence), action))

    def run_due(self) -> int:
        """Apply every event due by now (including ones scheduled meanwhile)."""
        now = self._clock.now()
        applied = 0
        while self._events and self._events[0].when <= now:
            event = heapq.heappop(self._events)
            event.action(event.when)
            applied += 1
        return applied

    def clear(self) -> None:
        self._events.clear()

    def __len__(self) -> int:
        return len(self._events)
