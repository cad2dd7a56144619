"""The command line: the old plugin's commands and help, kubectl's usual flags, and ours."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import NoReturn

from smlogs.errors import UserError
from smlogs.kinds import HYPERPARAMETER_TUNING_JOB, LOG_KINDS, JobKind, find_kind

ROOT_HELP = """View Amazon SageMaker logs via Kubernetes

Usage:
  smlogs [command]

Aliases:
  smlogs, SMLogs, Smlogs

Available Commands:
{commands}
  help                    Help about any command

Flags:
  -h, --help   help for smlogs

Use "smlogs [command] --help" for more information about a command.
"""

# The old plugin's examples: what the job is called, and its name.
EXAMPLES = {
    "TrainingJob": ("Training", "xgboost-mnist-training"),
    "BatchTransformJob": ("BatchTransform", "xgboost-mnist-batch"),
    "ProcessingJob": ("Processing", "xgboost-mnist-processing"),
    "HyperparameterTuningJob": ("HyperparameterTuning", "xgboost-mnist-hpo"),
}

COMMAND_HELP = """View {kind} logs via Kubernetes

Usage:
  smlogs {kind} RESOURCE_NAME [flags]

Aliases:
  {aliases}

Examples:
  # Get logs for {noun} job named "{name}" in the default namespace.
  kubectl smlogs {kind} {name}

  # Follow them until the job ends, newest 100 lines first, without stream names.
  kubectl smlogs {kind} {name} -n my-namespace -f --tail 100 --hide-log-stream-name

Flags:
  -f, --follow                     keep printing new lines until the job has ended and its
                                   logs are drained, then exit 0 (Ctrl-C stops)
      --hide-log-stream-name       do not print the log stream name on each line
  -p, --log-search-prefix string   only the streams of instances whose name starts with this,
                                   e.g. -p algo-2 (old spelling: --logSearchPrefix)
      --tail int                   print only the last N lines (of all streams together)
      --since duration             only lines newer than this, e.g. 10m, 2h, 1h30m
      --timestamps[=true|false]    print the timestamp column (default true)
  -n, --namespace string           the resource's namespace (default: the context's, or default)
      --kubeconfig string          the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)
      --context string             the kubeconfig context to use
  -v, --verbose                    log retries and CloudWatch Logs calls to stderr
  -h, --help                       help for {kind}

CloudWatch Logs is called in the resource's spec.region, at its spec.sageMakerEndpoint or
$AWS_DEFAULT_SAGEMAKER_ENDPOINT when that is not an AWS address (an emulator), else at AWS's
own endpoint ($AWS_ENDPOINT_URL_CLOUDWATCH_LOGS overrides); credentials as the AWS CLI finds them.
"""

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration: ``10m``, ``2h``, ``1h30m``, ``90s``."""
    compact = text.strip().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise UserError(
            f'--since "{text}": not a duration; give a number and a unit (s, m, h, d), '
            "e.g. 10m, 2h, 1h30m"
        )
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise UserError(f'--since "{text}": must be longer than zero')
    return seconds


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "t", "yes"):
        return True
    if lowered in ("false", "0", "f", "no"):
        return False
    raise UserError(f'--timestamps "{text}": give true or false, e.g. --timestamps=false')


@dataclass(frozen=True)
class Options:
    kind: JobKind
    name: str
    follow: bool = False
    hide_stream: bool = False
    prefix: str = ""
    tail: int | None = None
    since: float | None = None
    timestamps: bool = True
    namespace: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    verbose: bool = False


@dataclass(frozen=True)
class Help:
    """Print ``text`` and exit 0."""

    text: str


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UserError(f'{message}\nRun "kubectl smlogs --help" for usage.')


def root_help() -> str:
    commands = "\n".join(
        f"  {kind.kind:<24}View {kind.kind} logs via Kubernetes" for kind in LOG_KINDS
    )
    return ROOT_HELP.format(commands=commands)


def command_help(kind: JobKind) -> str:
    aliases = ", ".join(dict.fromkeys((kind.kind, *kind.names(), kind.kind + "s")))
    noun, name = EXAMPLES[kind.kind]
    return COMMAND_HELP.format(kind=kind.kind, aliases=aliases, noun=noun, name=name)


def _parser() -> _Parser:
    parser = _Parser(prog="kubectl smlogs", add_help=False, allow_abbrev=False)
    parser.add_argument("words", nargs="*")
    parser.add_argument("-h", "--help", action="store_true")
    parser.add_argument("-f", "--follow", action="store_true")
    parser.add_argument("--hide-log-stream-name", action="store_true")
    parser.add_argument("-p", "--log-search-prefix", "--logSearchPrefix", default="")
    parser.add_argument("--tail", type=int, default=None)
    parser.add_argument("--since", default=None)
    parser.add_argument("--timestamps", nargs="?", const="true", default="true")
    parser.add_argument("-n", "--namespace", default=None)
    parser.add_argument("--kubeconfig", default=None)
    parser.add_argument("--context", default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def parse(argv: list[str]) -> Options | Help:
    args = _parser().parse_intermixed_args(argv)
    words: list[str] = args.words
    if not words or words[0] == "help":
        target = find_kind(words[1]) if len(words) > 1 else None
        return Help(command_help(target) if target else root_help())
    kind = find_kind(words[0])
    if kind is None:
        raise UserError(
            f'unknown command "{words[0]}" for "smlogs"; the commands are '
            + ", ".join(k.kind for k in LOG_KINDS)
            + '.\nRun "kubectl smlogs --help" for usage.'
        )
    if args.help:
        return Help(command_help(kind))
    if len(words) != 2:
        raise UserError(
            f"exactly one {kind.kind} name must be given (got [{','.join(words[1:])}]). "
            f"List them with: kubectl get {kind.plural}"
        )
    if args.tail is not None and args.tail < 0:
        raise UserError(f"--tail {args.tail}: give a number of lines, 0 or more")
    return Options(
        kind=kind,
        name=words[1],
        follow=args.follow,
        hide_stream=args.hide_log_stream_name,
        prefix=args.log_search_prefix,
        tail=args.tail,
        since=parse_duration(args.since) if args.since is not None else None,
        timestamps=_parse_bool(args.timestamps),
        namespace=args.namespace,
        kubeconfig=args.kubeconfig,
        context=args.context,
        verbose=args.verbose,
    )


def is_tuning(options: Options) -> bool:
    return options.kind is HYPERPARAMETER_TUNING_JOB
