"""SageMaker calls per 10 s window against the operator's request budget.

The operator spends one token of a per-region bucket (rate r, burst int(r)) per request,
so no 10 s window may hold more than 10 r + burst calls. Windows slide over the calls as
the operator sent them (the logging proxy's arrival times); every window that starts at a
call is checked, which covers the busiest one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class RateCheck:
    allowed: int  # most calls the budget lets into one window
    busiest: int  # most calls seen in one window
    over: int  # windows (one per starting call) that held more than allowed

    @property
    def within(self) -> bool:
        return self.over == 0


def check(times: list[float], budget: float) -> RateCheck:
    allowed = int(budget * WINDOW_SECONDS) + max(1, int(budget))
    ordered = sorted(times)
    busiest = over = 0
    for index, start in enumerate(ordered):
        inside = bisect.bisect_left(ordered, start + WINDOW_SECONDS) - index
        busiest = max(busiest, inside)
        over += inside > allowed
    return RateCheck(allowed, busiest, over)
