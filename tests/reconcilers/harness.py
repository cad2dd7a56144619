"""Run the real operator in-process against the local control plane and the emulator."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException
from prometheus_client import CollectorRegistry

from apis.kinds import ALL_KINDS
from controller.manager import Manager
from controller.metrics import Metrics
from controller.options import ManagerOptions
from reconcilers.kinds import STATUS_FIELDS
from reconcilers.registry import controllers, make_runtime
from reconcilers.runtime import OperatorRuntime

GROUP, VERSION = "sagemaker.aws.amazon.com", "v1"
SAMPLES = Path(__file__).resolve().parents[2] / "config" / "samples"
PLURALS = {info.kind: info.plural for info in ALL_KINDS}


def sample(kind: str, name: str, **spec_changes: Any) -> dict[str, Any]:
    """The project's own sample of ``kind`` under a new name, with spec fields changed."""
    body: dict[str, Any] = yaml.safe_load((SAMPLES / f"{kind.lower()}.yaml").read_text())
    body = copy.deepcopy(body)
    body["metadata"] = {"name": name}
    body["spec"].update(spec_changes)
    body["spec"]["region"] = "us-east-1"
    return body


@dataclass
class RunningOperator:
    manager: Manager
    runtime: OperatorRuntime
    task: asyncio.Task[int]
    stop: asyncio.Event

    async def shut_down(self) -> int:
        self.stop.set()
        return await asyncio.wait_for(self.task, 60)

    async def kill(self) -> None:
        """Cancel everything at once, as a SIGKILL would: no drain, no cleanup."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@asynccontextmanager
async def running_operator(
    kube: Kube, endpoint: str, **overrides: Any
) -> AsyncIterator[RunningOperator]:
    """The operator, watching only the test's namespace.

    The control plane is shared by the whole run; an operator watching every namespace
    would also reconcile what earlier tests left behind, against this test's emulator.
    """
    settings: dict[str, Any] = {
        "metrics_bind_address": "0",
        "health_probe_bind_address": "0",
        "sagemaker_endpoint": endpoint,
        "job_poll_interval_seconds": 0.3,
        "default_sagemaker_requests_per_second": 200.0,
        "default_concurrency": 4,
        "graceful_shutdown_timeout_seconds": 10.0,
        "namespaces": (kube.namespace,),
    }
    settings.update(overrides)
    options = ManagerOptions(**settings)
    registry = CollectorRegistry()
    runtime = make_runtime(options, registry)
    api = kube.objects.api_client
    manager = Manager(
        options, api, controllers(options, registry, runtime), metrics=Metrics(registry)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(manager.run(stop))
    running = RunningOperator(manager, runtime, task, stop)
    try:
        yield running
    finally:
        if not task.done():
            await running.shut_down()
        await runtime.aclose()  # its change tickers too, even after a kill


class Kube:
    """Small helpers over CustomObjectsApi for one namespace."""

    def __init__(self, api: client.ApiClient, namespace: str) -> None:
        self.objects = client.CustomObjectsApi(api)
        self.core = client.CoreV1Api(api)
        self.namespace = namespace

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = await self.objects.create_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURALS[body["kind"]], body
        )
        return created

    async def get(self, kind: str, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await self.objects.get_namespaced_custom_object(
                GROUP, VERSION, self.namespace, PLURALS[kind], name
            )
        except ApiException as error:
            if error.status == 404:
                return None
            raise
        return found

    async def list_items(self, kind: str, label_selector: str = "") -> list[dict[str, Any]]:
        listed = await self.objects.list_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURALS[kind], label_selector=label_selector
        )
        items: list[dict[str, Any]] = listed["items"]
        return items

    async def delete(self, kind: str, name: str) -> None:
        await self.objects.delete_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURALS[kind], name
        )

    async def events(self, name: str) -> list[Any]:
        listed = await self.core.list_namespaced_event(
            self.namespace, field_selector=f"involvedObject.name={name}"
        )
        return list(listed.items)

    async def wait_for(
        self,
        kind: str,
        name: str,
        predicate: Callable[[dict[str, Any] | None], bool],
        seconds: float = 30.0,
        what: str = "condition",
    ) -> dict[str, Any] | None:
        deadline = time.monotonic() + seconds
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            last = await self.get(kind, name)
            if predicate(last):
                return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"{kind}/{name}: {what} not reached in {seconds}s; last: {last}")

    async def wait_for_status(
        self, kind: str, name: str, value: str, seconds: float = 30.0
    ) -> dict[str, Any]:
        """Wait until the kind's status field (``trainingJobStatus``, ``endpointStatus``...)
        is ``value``."""
        field = STATUS_FIELDS[kind]
        found = await self.wait_for(
            kind, name, lambda o: status_of(field)(o) == value, seconds, f"{field}={value}"
        )
        assert found is not None
        return found


def status_of(field: str) -> Callable[[dict[str, Any] | None], str | None]:
    def read(obj: dict[str, Any] | None) -> str | None:
        return None if obj is None else (obj.get("status") or {}).get(field)

    return read
