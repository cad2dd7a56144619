"""``sagemaker-operator``: build the manager from the flags and run it until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence

import structlog
from prometheus_client import CollectorRegistry

from controller.controller import ControllerRegistration
from controller.kube_client import ClosableKubeApi, load_client
from controller.logs import configure_logging
from controller.manager import Manager
from controller.metrics import Metrics
from controller.options import ManagerOptions, parse_options

RegistryFunction = Callable[[ManagerOptions, CollectorRegistry], Sequence[ControllerRegistration]]
"""Builds the controllers; their own metrics (e.g. SageMaker requests) go on the registry
given, which is the one /metrics serves."""
REGISTRY_MODULE = "reconcilers.registry"


def default_registry(
    options: ManagerOptions, metrics_registry: CollectorRegistry
) -> Sequence[ControllerRegistration]:
    """The SageMaker controllers from ``reconcilers.registry.controllers``, when it exists."""
    log = structlog.get_logger("controller.main")
    try:
        module = importlib.import_module(REGISTRY_MODULE)
    except ModuleNotFoundError as error:
        if error.name not in (REGISTRY_MODULE, "reconcilers"):
            raise  # the registry exists but something it imports is missing: a real bug
        log.warning("no_reconcilers_registered", module=REGISTRY_MODULE)
        return []
    registrations: Sequence[ControllerRegistration] = module.controllers(options, metrics_registry)
    return registrations


# How long cancelled leftover tasks may take to stop before the process leaves without them.
LEFTOVER_TASKS_SECONDS = 5.0


async def api_client(options: ManagerOptions) -> ClosableKubeApi:
    """In a pod: the service account. Elsewhere: --kubeconfig, $KUBECONFIG or ~/.kube/config."""
    return await load_client(options.kubeconfig)


async def run(options: ManagerOptions, registry: RegistryFunction) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    api = await api_client(options)
    try:
        metrics = Metrics()
        manager = Manager(options, api, registry(options, metrics.registry), metrics=metrics)
        code = await manager.run(stop)
    finally:
        await api.close()
    await _stop_leftover_tasks(code)
    return code


async def _stop_leftover_tasks(code: int) -> None:
    """Cancel what is still running, and leave at once if something will not stop.

    asyncio.run would wait forever for a task that swallows its cancellation; a replica that
    lost its leadership must exit, so that its pod restarts as a standby.
    """
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftovers:
        task.cancel()
    if not leftovers:
        return
    _, pending = await asyncio.wait(leftovers, timeout=LEFTOVER_TASKS_SECONDS)
    if pending:
        log = structlog.get_logger("controller.main")
        log.error("tasks_would_not_stop", tasks=sorted(t.get_name() for t in pending), code=code)
        log.info("exiting", code=code)
        os._exit(code)


def main(argv: Sequence[str] | None = None, registry: RegistryFunction | None = None) -> int:
    options = parse_options(argv)
    configure_logging(options.log_level, options.log_format)
    code = asyncio.run(run(options, registry or default_registry))
    structlog.get_logger("controller.main").info("exiting", code=code)
    return code


if __name__ == "__main__":
    sys.exit(main())
