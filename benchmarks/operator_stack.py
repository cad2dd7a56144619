"""The whole stack the operator benchmarks run on, started fresh for each measurement.

``running_stack`` starts a local control plane with the audit log on, installs one CRD and
the ``bench`` namespace, then starts a SageMaker emulator process and the real
``sagemaker-operator`` command (watching that namespace, metrics and health off, warnings
only, plus the flags a benchmark adds). Logs go to a temp folder that is kept.

The pieces that are not about one benchmark (an API client for a control plane, installing
CRDs, creating many objects, the emulator's admin API) are module functions, shared with
the chaos suite (``chaos/``).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException
from status_watch import StatusWatch, watching

from local_cluster import ControlPlane
from local_cluster.audit import status_writes
from local_cluster.processes import cpu_seconds, peak_rss_mib, terminate
from local_stack.processes import start_emulator, start_operator

ROOT = Path(__file__).resolve().parents[1]
GROUP, VERSION = "sagemaker.aws.amazon.com", "v1"
NAMESPACE = "bench"
_CREATES_AT_ONCE = 32
REQUEST_SECONDS = 30.0  # bound on any one call to the apiserver or the emulator's admin API
_ESTABLISHED_SECONDS = 60.0
_RETRY_PAUSE_SECONDS = 0.5


@asynccontextmanager
async def kube_api(kubeconfig: Path) -> AsyncIterator[client.ApiClient]:
    """An admin client for a local control plane, with room for many requests at once."""
    configuration = client.Configuration()
    await config.load_kube_config(str(kubeconfig), client_configuration=configuration)
    configuration.connection_pool_maxsize = 64
    async with client.ApiClient(configuration) as api:
        yield api


async def install_crds(
    api: client.ApiClient, plurals: Iterable[str], namespaces: Iterable[str] = ()
) -> None:
    """The generated CRDs of ``plurals`` (once Established) and the namespaces; existing
    ones are left as they are."""
    extensions = client.ApiextensionsV1Api(api)
    names = []
    for plural in plurals:
        crd = yaml.safe_load((ROOT / f"config/crd/bases/{GROUP}_{plural}.yaml").read_text())
        names.append(crd["metadata"]["name"])
        await _create_unless_exists(
            extensions.create_custom_resource_definition(crd, _request_timeout=REQUEST_SECONDS)
        )
    async with asyncio.timeout(_ESTABLISHED_SECONDS):
        for name in names:
            while True:  # the apiserver serves a new kind only once it is Established
                crd = await extensions.read_custom_resource_definition(
                    name, _request_timeout=REQUEST_SECONDS
                )
                if _established(crd):
                    break
                await asyncio.sleep(0.1)
    core = client.CoreV1Api(api)
    for namespace in namespaces:
        body = {"metadata": {"name": namespace}}
        await _create_unless_exists(core.create_namespace(body, _request_timeout=REQUEST_SECONDS))


def all_plurals() -> list[str]:
    """The plural of every CRD the project generates."""
    return sorted(
        path.name.removeprefix(f"{GROUP}_").removesuffix(".yaml")
        for path in (ROOT / "config/crd/bases").glob(f"{GROUP}_*.yaml")
    )


async def _create_unless_exists(creating: Any) -> None:
    try:
        await creating
    except ApiException as error:
        if error.status != 409:
            raise


def _established(crd: Any) -> bool:
    return any(
        c.type == "Established" and c.status == "True" for c in (crd.status.conditions or [])
    )


async def create_objects(
    objects: Any,
    namespace: str,
    plural: str,
    bodies: Iterable[Mapping[str, Any]],
    *,
    retry_seconds: float = 0.0,
) -> None:
    """Create every body, a few requests in flight at a time.

    With ``retry_seconds``, a create that fails for want of an apiserver (refused, reset,
    timed out, 429, 5xx, or 404 from one that is starting and does not serve the custom
    kinds yet) is tried again, as a user would, until that long has passed; a 409 on a
    retry means the earlier attempt went through and only its answer was lost.
    """
    gate = asyncio.Semaphore(_CREATES_AT_ONCE)

    async def create(body: Mapping[str, Any]) -> None:
        give_up = time.monotonic() + retry_seconds
        retried = False
        async with gate:
            while True:
                try:
                    await objects.create_namespaced_custom_object(
                        GROUP, VERSION, namespace, plural, body, _request_timeout=REQUEST_SECONDS
                    )
                    return
                except ApiException as error:
                    if retried and error.status == 409:
                        return
                    retriable = error.status in (404, 429) or error.status >= 500
                    if not retriable or time.monotonic() > give_up:
                        raise
                except (aiohttp.ClientError, TimeoutError, OSError):
                    if time.monotonic() > give_up:
                        raise
                retried = True
                await asyncio.sleep(_RETRY_PAUSE_SECONDS)

    await asyncio.gather(*(create(body) for body in bodies))


async def emulator_request(
    url: str, method: str, path: str, body: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Call the emulator's admin API at ``url``: ``path`` under ``/_emulator/``, e.g.
    ``requests?limit=1``, ``status`` or ``faults``; returns the JSON answer."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_SECONDS)) as session,
        session.request(method, f"{url}/_emulator/{path}", json=body) as response,
    ):
        response.raise_for_status()
        answer: dict[str, Any] = await response.json()
        return answer


@dataclass
class Stack:
    plane: ControlPlane
    objects: Any  # kubernetes_asyncio's CustomObjectsApi
    plural: str
    folder: Path
    emulator: asyncio.subprocess.Process
    emulator_url: str
    operator: asyncio.subprocess.Process
    statuses: StatusWatch

    @property
    def operator_log(self) -> Path:
        return self.folder / "operator.log"

    async def create_all(self, sample: Mapping[str, Any], names: Iterable[str]) -> None:
        """Create one copy of ``sample`` per name, a few requests in flight at a time."""
        bodies = ({**sample, "metadata": {"name": name}} for name in names)
        await create_objects(self.objects, NAMESPACE, self.plural, bodies)

    async def status_counts(self, field: str) -> dict[str, int]:
        """How many objects have each value of ``status.<field>`` ("none" if unset)."""
        return self.statuses.counts(field)

    async def emulator_get(self, path: str) -> dict[str, Any]:
        """GET an admin path of the emulator, e.g. ``requests?limit=1`` or ``status``."""
        return await emulator_request(self.emulator_url, "GET", path)

    def operator_usage(self) -> tuple[float, float]:
        """The operator's peak RSS (MiB) and CPU seconds so far."""
        return peak_rss_mib(self.operator.pid), cpu_seconds(self.operator.pid)

    def status_writes(self) -> int:
        """Status patches and updates of this stack's kind so far (the audit log)."""
        return status_writes(self.plane.audit_log, self.plural)

    def status_writes_in(self, namespace: str) -> int:
        """Status patches and updates of this stack's kind in ``namespace`` (the audit log)."""
        return status_writes(self.plane.audit_log, self.plural, namespace)

    async def stop_processes(self) -> None:
        await terminate(self.operator)
        await terminate(self.emulator)


@asynccontextmanager
async def running_stack(
    plural: str, time_scale: float, operator_flags: Sequence[str], folder_prefix: str
) -> AsyncIterator[Stack]:
    """The stack for one kind (``plural``), torn down on exit; the log folder stays."""
    folder = Path(tempfile.mkdtemp(prefix=folder_prefix))
    async with ControlPlane(audit=True) as plane, kube_api(plane.kubeconfig) as api:
        # Every kind: the operator runs a controller for each and waits for all their caches.
        await install_crds(api, all_plurals(), [NAMESPACE])
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
        objects = client.CustomObjectsApi(api)
        try:
            async with watching(objects, NAMESPACE, plural) as statuses:
                stack = Stack(plane, objects, plural, folder, emulator, url, operator, statuses)
                await asyncio.sleep(2)  # the operator's informers list and sync
                yield stack
        finally:
            await terminate(operator)
            await terminate(emulator)


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
