"""Reading the job's resource as kubectl would: kubeconfig, context, namespace, in-cluster."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config.config_exception import ConfigException

from smlogs.errors import Unavailable, UserError
from smlogs.kinds import GROUP, VERSION, JobKind

REQUEST_TIMEOUT = 30.0
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


@dataclass(frozen=True)
class KubeTarget:
    kubeconfig: str | None
    context: str | None
    namespace: str | None


def _kubeconfig_paths(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    listed = os.environ.get("KUBECONFIG")
    if listed:
        return [p for p in listed.split(os.pathsep) if p]
    return [str(Path.home() / ".kube" / "config")]


def _existing_files(paths: list[str]) -> list[str]:
    return [p for p in paths if Path(p).is_file()]


def _service_account_namespace() -> str | None:
    if not SERVICE_ACCOUNT_NAMESPACE.is_file():
        return None
    return SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or None


def _context_namespace(paths: list[str], context: str | None) -> str | None:
    """The namespace the kubeconfig's chosen context names, as kubectl defaults to it."""
    contexts, active = config.list_kube_config_contexts(os.pathsep.join(paths))
    chosen = (
        active if context is None else next((c for c in contexts if c["name"] == context), None)
    )
    if chosen is None:
        raise UserError(f'context "{context}" is not in the kubeconfig ({", ".join(paths)})')
    namespace = (chosen.get("context") or {}).get("namespace")
    return str(namespace) if namespace else None


async def _configure(target: KubeTarget) -> tuple[client.Configuration, str]:
    configuration = client.Configuration()
    paths = _kubeconfig_paths(target.kubeconfig)
    existing = await asyncio.to_thread(_existing_files, paths)
    if target.kubeconfig and not existing:
        raise UserError(f"--kubeconfig {target.kubeconfig}: no such file")
    if existing:
        try:
            # The context first: an unknown one is named plainly, before the loader fails.
            namespace = await asyncio.to_thread(_context_namespace, existing, target.context)
            await config.load_kube_config(
                config_file=os.pathsep.join(existing),
                context=target.context,
                client_configuration=configuration,
            )
        except ConfigException as error:
            raise UserError(f"cannot use the kubeconfig ({', '.join(existing)}): {error}") from None
        return configuration, target.namespace or namespace or "default"
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        try:
            await asyncio.to_thread(
                config.load_incluster_config, client_configuration=configuration
            )
        except ConfigException as error:
            raise UserError(f"cannot use the pod's service account: {error}") from None
        namespace = await asyncio.to_thread(_service_account_namespace)
        return configuration, target.namespace or namespace or "default"
    raise UserError(
        f"no kubeconfig found ({', '.join(paths)}) and not running in a cluster: set "
        "KUBECONFIG or pass --kubeconfig"
    )


class JobResources:
    """Gets the resources of one namespace, with errors that name it."""

    def __init__(self, api: client.ApiClient, namespace: str, server: str) -> None:
        self._objects = client.CustomObjectsApi(api)
        self.namespace = namespace
        self._server = server

    async def get(self, kind: JobKind, name: str) -> dict[str, Any]:
        try:
            found: dict[str, Any] = await self._objects.get_namespaced_custom_object(
                GROUP, VERSION, self.namespace, kind.plural, name, _request_timeout=REQUEST_TIMEOUT
            )
        except ApiException as error:
            raise self._explain(error, kind, name) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise self._unreachable(error) from None
        return found

    async def list(self, kind: JobKind, label_selector: str) -> list[dict[str, Any]]:
        try:
            listed = await self._objects.list_namespaced_custom_object(
                GROUP,
                VERSION,
                self.namespace,
                kind.plural,
                label_selector=label_selector,
                _request_timeout=REQUEST_TIMEOUT,
            )
        except ApiException as error:
            raise self._explain(error, kind, None) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise self._unreachable(error) from None
        items: list[dict[str, Any]] = listed.get("items", [])
        return items

    def _unreachable(self, error: BaseException) -> Unavailable:
        return Unavailable(
            f"cannot reach the Kubernetes API server at {self._server}: "
            f"{error or type(error).__name__}"
        )

    def _explain(self, error: ApiException, kind: JobKind, name: str | None) -> UserError:
        if error.status == 404 and name is not None and _names_object(error, name):
            return UserError(
                f'{kind.resource} "{name}" not found in namespace "{self.namespace}". '
                f"List them with: kubectl get {kind.plural} -n {self.namespace}"
            )
        if error.status == 404:
            return UserError(
                f"the cluster has no {kind.resource} resource type: is the SageMaker operator's "
                "CRD installed? (kubectl get crd " + kind.resource + ")"
            )
        if error.status in (401, 403):
            return UserError(
                f"the Kubernetes API server refused to show {kind.plural} in namespace "
                f'"{self.namespace}" ({error.status} {error.reason}): check your kubeconfig user '
                "and its RBAC permissions"
            )
        failed = UserError if error.status < 500 and error.status != 429 else Unavailable
        return failed(
            f'reading {kind.plural} in namespace "{self.namespace}" failed: '
            f"{error.status} {error.reason}"
        )


def _names_object(error: ApiException, name: str) -> bool:
    """A 404 about the object itself (not about a resource type the server lacks)."""
    try:
        status = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return False
    return isinstance(status, dict) and (status.get("details") or {}).get("name") == name


@asynccontextmanager
async def job_resources(target: KubeTarget) -> AsyncIterator[JobResources]:
    configuration, namespace = await _configure(target)
    async with client.ApiClient(configuration) as api:
        yield JobResources(api, namespace, str(configuration.host))
