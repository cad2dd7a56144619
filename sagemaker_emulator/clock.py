"""Emulated wall-clock time: real time scaled by a factor, or a manual clock.

Every phase duration in the emulator is expressed in emulated seconds, so one
time scale speeds up (or slows down) everything consistently.
"""

from __future__ import annotations

import time


class Clock:
    """Emulated epoch seconds.

    With ``manual=True`` time only moves through :meth:`advance`, which makes
    tests fully deterministic; otherwise it runs at ``time_scale`` emulated
    seconds per real second.
    """

    def __init__(self, time_scale: float = 1.0, manual: bool = False) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._scale = time_scale
        self._manual = manual
        self._base_emulated = time.time()
        self._base_real = time.monotonic()

    @property
    def time_scale(self) -> float:
        return self._scale

    @property
    def manual(self) -> bool:
        return self._manual

    def now(self) -> float:
        if self._manual:
            return self._base_emulated
        return self._base_emulated + (time.monotonic() - self._base_real) * self._scale

    def _rebase(self) -> None:
        # Keeps emulated time continuous when the rate changes.
        self._base_emulated = self.now()
        self._base_real = time.monotonic()

    def set_time_scale(self, time_scale: float) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._rebase()
        self._scale = time_scale

    def set_manual(self, manual: bool) -> None:
        self._rebase()
        self._manual = manual

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._base_emulated += seconds
