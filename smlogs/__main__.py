"""``kubectl-smlogs``: the plugin's entry point, exit codes and Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import structlog

from smlogs.cli import Help, parse
from smlogs.errors import EXIT_ERROR, EXIT_INTERRUPTED, UserError

# What a shell reports for a process a closed pipe stopped (`kubectl smlogs ... | head`).
EXIT_BROKEN_PIPE = 141


def _configure_logging(verbose: bool) -> None:
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if verbose else logging.WARNING
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        processors=[
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    try:
        parsed = parse(sys.argv[1:] if argv is None else argv)
        if isinstance(parsed, Help):
            sys.stdout.write(parsed.text)
            return 0
        _configure_logging(parsed.verbose)
        # Imported here: `kubectl smlogs` alone, and --help, answer without loading the
        # AWS and Kubernetes clients.
        from smlogs.run import run

        return asyncio.run(run(parsed, sys.stdout))
    except UserError as error:
        sys.stdout.flush()
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        # Ctrl-C is how a user stops following: no traceback, the shell's code for SIGINT.
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away; Python would complain again when flushing at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:  # the last resort: a sentence, not a traceback
        print(f"error: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
