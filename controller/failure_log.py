"""How a failed reconcile is logged: one line with the error's type and message, once.

A reconcile that fails is retried with backoff, often for as long as the fault lasts, and a
traceback on every retry made a 45 s apiserver outage write 13 MB of logs. Tracebacks can
also carry secrets: rendering frame locals shows botocore's signer and credential objects.
So here:

* the line has the error's type and its message (whitespace collapsed, truncated), never a
  traceback and never locals; the traceback goes to a separate debug-level line;
* a failure identical to the last one logged for the key (same type and message) is not
  logged again, except once every ``repeat_seconds`` with how many were left out; a
  different error is logged at once; a success after logged failures says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import structlog

MAX_MESSAGE_CHARS = 500
REPEAT_LOG_SECONDS = 300.0


def describe(error: BaseException) -> tuple[str, str]:
    """The error's type name and a one-line, bounded message."""
    kind = type(error).__qualname__
    module = type(error).__module__
    if module not in ("builtins", "__main__"):
        kind = f"{module}.{kind}"
    message = " ".join(str(error).split())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "..."
    return kind, message


@dataclass
class _Logged:
    signature: tuple[str, str]
    logged_at: float
    left_out: int = 0
    failures: int = 1


class FailureLog:
    """Per-key memory of the last failure logged, to log each distinct failure once."""

    def __init__(
        self,
        repeat_seconds: float = REPEAT_LOG_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repeat_seconds = repeat_seconds
        self._clock = clock
        self._last: dict[Hashable, _Logged] = {}

    def failed(
        self, log: structlog.typing.FilteringBoundLogger, key: Hashable, error: BaseException
    ) -> None:
        """Log ``error`` for ``key`` unless it repeats the last one logged (see module doc)."""
        signature = describe(error)
        error_type, message = signature
        now = self._clock()
        last = self._last.get(key)
        # The traceback, without locals, only for whoever runs at debug level.
        log.debug("reconcile_failed_traceback", error_type=error_type, exc_info=error)
        if last is not None and last.signature == signature:
            last.failures += 1
            if now - last.logged_at < self.repeat_seconds:
                last.left_out += 1
                return
            log.error(
                "reconcile_failed",
                error_type=error_type,
                error=message,
                failures=last.failures,
                repeated_since_last_line=last.left_out,
            )
            last.logged_at, last.left_out = now, 0
            return
        failures = last.failures + 1 if last is not None else 1
        log.error("reconcile_failed", error_type=error_type, error=message, failures=failures)
        self._last[key] = _Logged(signature, now, failures=failures)

    def succeeded(self, log: structlog.typing.FilteringBoundLogger, key: Hashable) -> None:
        """Forget ``key``'s failures; say it recovered if any were logged."""
        last = self._last.pop(key, None)
        if last is not None:
            log.info("reconcile_recovered", failures=last.failures)

    def forget(self, key: Hashable) -> None:
        self._last.pop(key, None)
