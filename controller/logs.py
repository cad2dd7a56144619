"""structlog configuration: key-value events as JSON (for collectors) or console (for people).

Reconcile workers bind ``controller``, ``namespace``, ``name`` and ``reconcile_id`` with
contextvars, so every event a reconciler logs carries them without passing a logger around.

Tracebacks are rendered without frame locals, in both formats. structlog's defaults show
them (JSON's ``dict_tracebacks``; the console's, once ``rich`` is installed), and locals hold
secrets: botocore's signer and credential objects are locals in its frames.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

LogFormat = Literal["json", "console"]
LEVELS = ("debug", "info", "warning", "error")


def configure_logging(level: str = "info", log_format: LogFormat = "json") -> None:
    numeric = logging.getLevelNamesMapping()[level.upper()]
    renderer: structlog.typing.Processor
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if log_format == "json":
        processors += [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        ]
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries (aiohttp, kubernetes_asyncio) log through the standard library.
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr)
