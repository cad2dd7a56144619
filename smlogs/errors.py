"""Failures the user can act on: each carries the sentence to print and the exit code."""

from __future__ import annotations

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """Something the user can fix or wait for; printed as ``error: <message>``, no traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class Unavailable(UserError):
    """A server that may come back (unreachable, 5xx, 429): following keeps trying a while."""
