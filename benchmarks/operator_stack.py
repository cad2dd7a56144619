"""The whole stack the operator benchmarks run on, started fresh for each measurement.

``running_stack`` starts a local control plane with the audit log on, installs one CRD and
the ``bench`` namespace, then starts a SageMaker emulator process and the real
``sagemaker-operator`` command (watching that namespace, metrics and health off, warnings
only, plus the flags a benchmark adds). Logs go to a temp folder that is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from kubernetes_asyncio import client, config

from local_cluster import ControlPlane
from local_cluster.audit import status_writes
from local_cluster.processes import cpu_seconds, peak_rss_mib, terminate
from local_stack.processes import start_emulator, start_operator

ROOT = Path(__file__).resolve().parents[1]
GROUP, VERSION = "sagemaker.aws.amazon.com", "v1"
NAMESPACE = "bench"
_CREATES_AT_ONCE = 32


@dataclass
class Stack:
    plane: ControlPlane
    objects: Any  # kubernetes_asyncio's CustomObjectsApi
    plural: str
    folder: Path
    emulator: asyncio.subprocess.Process
    emulator_url: str
    operator: asyncio.subprocess.Process

    @property
    def operator_log(self) -> Path:
        return self.folder / "operator.log"

    async def create_all(self, sample: Mapping[str, Any], names: Iterable[str]) -> None:
        """Create one copy of ``sample`` per name, a few requests in flight at a time."""
        gate = asyncio.Semaphore(_CREATES_AT_ONCE)

        async def create(name: str) -> None:
            body = {**sample, "metadata": {"name": name}}
            async with gate:
                await self.objects.create_namespaced_custom_object(
                    GROUP, VERSION, NAMESPACE, self.plural, body
                )

        await asyncio.gather(*(create(name) for name in names))

    async def status_counts(self, field: str) -> dict[str, int]:
        """How many objects have each value of ``status.<field>`` ("none" if unset)."""
        listed = await self.objects.list_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, self.plural
        )
        counts: dict[str, int] = {}
        for item in listed["items"]:
            status = (item.get("status") or {}).get(field) or "none"
            counts[status] = counts.get(status, 0) + 1
        return counts

    async def emulator_get(self, path: str) -> dict[str, Any]:
        """GET an admin path of the emulator, e.g. ``requests?limit=1`` or ``status``."""
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.get(f"{self.emulator_url}/_emulator/{path}") as response,
        ):
            response.raise_for_status()
            body: dict[str, Any] = await response.json()
            return body

    def operator_usage(self) -> tuple[float, float]:
        """The operator's peak RSS (MiB) and CPU seconds so far."""
        return peak_rss_mib(self.operator.pid), cpu_seconds(self.operator.pid)

    def status_writes(self) -> int:
        """Status patches and updates of this stack's kind so far (the audit log)."""
        return status_writes(self.plane.audit_log, self.plural)

    async def stop_processes(self) -> None:
        await terminate(self.operator)
        await terminate(self.emulator)


@asynccontextmanager
async def running_stack(
    plural: str, time_scale: float, operator_flags: Sequence[str], folder_prefix: str
) -> AsyncIterator[Stack]:
    """The stack for one kind (``plural``), torn down on exit; the log folder stays."""
    folder = Path(tempfile.mkdtemp(prefix=folder_prefix))
    crd = yaml.safe_load((ROOT / f"config/crd/bases/{GROUP}_{plural}.yaml").read_text())
    async with ControlPlane(audit=True) as plane:
        configuration = client.Configuration()
        await config.load_kube_config(str(plane.kubeconfig), client_configuration=configuration)
        configuration.connection_pool_maxsize = 64
        async with client.ApiClient(configuration) as api:
            await client.ApiextensionsV1Api(api).create_custom_resource_definition(crd)
            await client.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})
            await asyncio.sleep(2)  # let the CRD become Established and discoverable
            emulator, url = await start_emulator(folder / "emulator.log", time_scale)
            try:
                operator = await start_operator(
                    plane.kubeconfig,
                    url,
                    folder / "operator.log",
                    "--namespace", NAMESPACE,
                    "--metrics-bind-address", "0",
                    "--health-probe-bind-address", "0",
                    "--log-level", "warning",
                    *operator_flags,
                )  # fmt: skip
            except BaseException:
                await terminate(emulator)
                raise
            stack = Stack(
                plane, client.CustomObjectsApi(api), plural, folder, emulator, url, operator
            )
            try:
                await asyncio.sleep(2)  # the operator's informers list and sync
                yield stack
            finally:
                await stack.stop_processes()


def stack_parser(description: str, sizes: Sequence[int], timeout: float) -> argparse.ArgumentParser:
    """The flags every stack benchmark takes: sizes, time scale, the operator's settings."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--sizes", type=int, nargs="+", default=list(sizes))
    add("--time-scale", type=float, default=100.0, help="emulated seconds per real second")
    add("--poll-interval", "--job-poll-interval", dest="poll_interval", type=float, default=2.0)
    add("--concurrency", type=int, default=16, help="the operator's workers per kind")
    add("--budget", type=float, default=500.0, help="SageMaker requests per second")
    add("--timeout", type=float, default=timeout, help="seconds each size may take")
    return parser
