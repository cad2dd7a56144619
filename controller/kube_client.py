"""A small Kubernetes REST client: how the operator's process talks to the apiserver.

kubernetes_asyncio's client package imports every API class and every model of the
Kubernetes API when any part of it is imported (~38 MiB resident, for the handful of calls
the operator makes: list and watch, merge patches, creates, a Lease). ``KubeClient`` is
aiohttp with the apiserver's address, its CA and the caller's credentials, answering
``call_api`` with the raw aiohttp response, the one call the operator's code makes.
kubernetes_asyncio's ``ApiClient`` answers it too (tests use one), so everything here takes
a ``KubeApi``, either.

``load_client`` reads the in-cluster service account or a kubeconfig with a certificate,
a token or a token file. A kubeconfig that needs more (an exec credential plugin, an auth
provider, several files merged) is handed to kubernetes_asyncio, imported then and only
then: such a setup pays its memory, every other one does not.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import tempfile
import time
from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import aiohttp
import yaml

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
# Bound service-account tokens rotate (the kubelet refreshes the file hourly): re-read it.
TOKEN_REREAD_SECONDS = 60.0
CONNECTIONS = 100
_SUPPORTED_USER_KEYS = frozenset(
    {
        "client-certificate",
        "client-certificate-data",
        "client-key",
        "client-key-data",
        "token",
        "tokenFile",
    }
)
_SUPPORTED_CLUSTER_KEYS = frozenset(
    {"server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify"}
)


class KubeApi(Protocol):
    """What the operator needs of an API client: kubernetes_asyncio's ``call_api`` subset.

    With ``_preload_content=False`` the answer is the aiohttp response, whatever its status.
    """

    def call_api(
        self,
        resource_path: str,
        method: str,
        *,
        query_params: Sequence[tuple[str, Any]] | None = ...,
        header_params: dict[str, str] | None = ...,
        body: Any = ...,
        auth_settings: list[str] | None = ...,
        _preload_content: bool = ...,
        _request_timeout: Any = ...,
    ) -> Awaitable[Any]: ...


class KubeError(Exception):
    """The apiserver answered with a status other than 2xx."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


async def request_json(
    api: KubeApi,
    method: str,
    path: str,
    *,
    request_timeout: float,
    body: Any = None,
    query: Sequence[tuple[str, Any]] = (),
    content_type: str = "application/json",
) -> Any:
    """One request, its JSON answer parsed; raises ``KubeError`` on a status other than 2xx."""
    response = await api.call_api(
        path,
        method,
        query_params=list(query),
        header_params={"Accept": "application/json", "Content-Type": content_type},
        body=body,
        auth_settings=["BearerToken"],
        _preload_content=False,
        _request_timeout=request_timeout,
    )
    async with response:
        raw: bytes = await response.read()
        status: int = response.status
    if not 200 <= status < 300:
        raise KubeError(status, raw.decode(errors="replace"))
    return json.loads(raw) if raw else None


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class KubeClient:
    """aiohttp against one apiserver, with its CA and a client certificate or a token."""

    def __init__(
        self,
        host: str,
        *,
        ssl_context: ssl.SSLContext | bool,
        token: str | None = None,
        token_file: Path | None = None,
    ) -> None:
        self.host = host.rstrip("/")
        self._ssl = ssl_context
        self._token = token
        self._token_file = token_file
        self._token_read_at = float("-inf")
        self._session: aiohttp.ClientSession | None = None

    def _bearer(self) -> str | None:
        if self._token_file is not None:
            now = time.monotonic()
            if now - self._token_read_at >= TOKEN_REREAD_SECONDS:
                self._token = self._token_file.read_text().strip()
                self._token_read_at = now
        return self._token

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Made on first use, inside the running loop, as aiohttp requires.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._ssl, limit=CONNECTIONS)
            )
        return self._session

    async def call_api(
        self,
        resource_path: str,
        method: str,
        *,
        query_params: Sequence[tuple[str, Any]] | None = None,
        header_params: dict[str, str] | None = None,
        body: Any = None,
        auth_settings: list[str] | None = None,
        _preload_content: bool = False,
        _request_timeout: Any = None,
    ) -> aiohttp.ClientResponse:
        """The raw response; the caller reads it and closes it (``async with``).

        ``_preload_content`` must be False: the operator always reads answers itself.
        """
        if _preload_content:
            raise ValueError("KubeClient answers raw responses only (_preload_content=False)")
        headers = dict(header_params or {})
        token = self._bearer()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        if isinstance(_request_timeout, aiohttp.ClientTimeout):
            timeout = _request_timeout
        elif _request_timeout is None:
            timeout = aiohttp.ClientTimeout()
        else:
            timeout = aiohttp.ClientTimeout(total=float(_request_timeout))
        params = [(key, _query_value(value)) for key, value in query_params or ()]
        return await self._open().request(
            method,
            self.host + resource_path,
            params=params,
            headers=headers,
            data=data,
            timeout=timeout,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class ClosableKubeApi(KubeApi, Protocol):
    async def close(self) -> None: ...


def in_cluster_client(folder: Path = SERVICE_ACCOUNT) -> KubeClient:
    """The pod's service account: its token (re-read as it rotates) and the cluster CA."""
    host = os.environ["KUBERNETES_SERVICE_HOST"]
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    context = ssl.create_default_context(cafile=str(folder / "ca.crt"))
    return KubeClient(f"https://{host}:{port}", ssl_context=context, token_file=folder / "token")


def _named(entries: Any, name: str, field: str) -> dict[str, Any]:
    for entry in entries or []:
        if entry.get("name") == name:
            found: dict[str, Any] = entry.get(field) or {}
            return found
    raise ValueError(f"the kubeconfig has no {field} named {name!r}")


def _pem(section: Mapping[str, Any], key: str, base: Path) -> bytes | None:
    """``key``-data (base64) or ``key`` (a path, relative to the kubeconfig's folder)."""
    if section.get(f"{key}-data"):
        return base64.b64decode(section[f"{key}-data"])
    if section.get(key):
        return (base / str(section[key])).expanduser().read_bytes()
    return None


def _ssl_context(cluster: Mapping[str, Any], user: Mapping[str, Any], base: Path) -> ssl.SSLContext:
    ca = _pem(cluster, "certificate-authority", base)
    context = ssl.create_default_context(cadata=ca.decode() if ca is not None else None)
    if cluster.get("insecure-skip-tls-verify"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert = _pem(user, "client-certificate", base)
    key = _pem(user, "client-key", base)
    if cert is not None and key is not None:
        # ssl loads a chain from files only: write them where only we can read, load, remove.
        with tempfile.TemporaryDirectory(prefix="kube-client-") as folder:
            cert_path, key_path = Path(folder) / "tls.crt", Path(folder) / "tls.key"
            for path, content in ((cert_path, cert), (key_path, key)):
                path.touch(mode=0o600)
                path.write_bytes(content)
            context.load_cert_chain(str(cert_path), str(key_path))
    return context


def kubeconfig_client(path: Path) -> KubeClient | None:
    """A client for ``path``'s current context; None if it needs what this client lacks."""
    config = yaml.safe_load(path.read_text()) or {}
    context = _named(config.get("contexts"), str(config.get("current-context", "")), "context")
    cluster = _named(config.get("clusters"), str(context.get("cluster", "")), "cluster")
    user = _named(config.get("users"), str(context.get("user", "")), "user")
    if set(user) - _SUPPORTED_USER_KEYS or set(cluster) - _SUPPORTED_CLUSTER_KEYS:
        return None
    base = path.parent
    server = str(cluster["server"])
    ssl_context: ssl.SSLContext | bool = (
        _ssl_context(cluster, user, base) if server.startswith("https://") else False
    )
    token_file = (base / str(user["tokenFile"])).expanduser() if user.get("tokenFile") else None
    token = str(user["token"]) if user.get("token") else None
    return KubeClient(server, ssl_context=ssl_context, token=token, token_file=token_file)


def kubeconfig_paths(explicit: str | None) -> list[Path]:
    """--kubeconfig, else $KUBECONFIG (a path list), else ~/.kube/config."""
    if explicit:
        return [Path(explicit).expanduser()]
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return [Path(p).expanduser() for p in listed] or [Path("~/.kube/config").expanduser()]


async def load_client(kubeconfig: str | None) -> ClosableKubeApi:
    """In a pod: the service account. Elsewhere: --kubeconfig, $KUBECONFIG or ~/.kube/config."""
    if kubeconfig is None and "KUBERNETES_SERVICE_HOST" in os.environ:
        return in_cluster_client()
    paths = kubeconfig_paths(kubeconfig)
    if len(paths) == 1:
        made = kubeconfig_client(paths[0])
        if made is not None:
            return made
    return await _kubernetes_asyncio_client(kubeconfig)


async def _kubernetes_asyncio_client(kubeconfig: str | None) -> ClosableKubeApi:
    """kubernetes_asyncio's own loader, for what ``kubeconfig_client`` does not support."""
    from kubernetes_asyncio import client, config

    configuration = client.Configuration()
    await config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    api: ClosableKubeApi = client.ApiClient(configuration)
    return api
