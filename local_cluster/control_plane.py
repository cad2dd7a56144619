"""Start and stop a real etcd + kube-apiserver pair on loopback, the way envtest does."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import ssl
import tempfile
import time
from pathlib import Path
from types import TracebackType

import aiohttp
import yaml

from local_cluster.build import ensure_built
from local_cluster.certs import CertFiles, write_certs
from local_cluster.processes import free_port, log_tail, pid_alive, spawn, terminate

FOLDER_PREFIX = "sagemaker-local-cluster-"
_OWNER_FILE = "owner.pid"
_READY_TIMEOUT_SECONDS = 90.0
_PROBE_TIMEOUT_SECONDS = 2.0
_START_ATTEMPTS = 3
SERVICE_CIDR = "10.0.0.0/24"
SERVICE_IP = "10.0.0.1"  # the `kubernetes` Service: the first address of SERVICE_CIDR


class ControlPlaneError(RuntimeError):
    """A server did not come up; the message carries the end of its log."""


def sweep_stale_folders(parent: Path) -> None:
    """Remove folders left by a run that was killed before it could clean up."""
    for folder in parent.glob(f"{FOLDER_PREFIX}*"):
        owner = folder / _OWNER_FILE
        try:
            pid = int(owner.read_text().strip())
        except (FileNotFoundError, ValueError):
            continue
        if not pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


class ControlPlane:
    """etcd and kube-apiserver with RBAC on, an admin kubeconfig, all in one temp folder.

    Use as ``async with ControlPlane() as cp:``; ``cp.kubeconfig`` is ready to use inside.
    """

    def __init__(
        self,
        *,
        parent: Path | None = None,
        apiserver_args: list[str] | None = None,
        audit: bool = False,
        node_address: str | None = None,
    ):
        """``node_address``: node mode (see local_cluster.node). The apiserver listens on
        that address, which Pods can reach, and admits Pods the way a real cluster does."""
        self._parent = parent or Path(tempfile.gettempdir())
        self._node_address = node_address
        self._extra_apiserver_args = list(apiserver_args or [])
        self._audit = audit
        self.folder: Path | None = None
        self.etcd_port = 0
        self.apiserver_port = 0
        self._etcd: asyncio.subprocess.Process | None = None
        self._apiserver: asyncio.subprocess.Process | None = None
        self._certs: CertFiles | None = None
        self._binaries: dict[str, Path] = {}

    # -- public surface ---------------------------------------------------------------

    @property
    def address(self) -> str:
        return self._node_address or "127.0.0.1"

    @property
    def url(self) -> str:
        return f"https://{self.address}:{self.apiserver_port}"

    @property
    def kubeconfig(self) -> Path:
        return self._require_folder() / "kubeconfig"

    @property
    def audit_log(self) -> Path:
        """One JSON line per write request (create, update, patch, delete), when audit is on."""
        return self._require_folder() / "audit.log"

    @property
    def certs(self) -> CertFiles:
        if self._certs is None:
            raise ControlPlaneError("the control plane is not started")
        return self._certs

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in (self._etcd, self._apiserver) if p is not None]

    def binary(self, tool: str) -> Path:
        return self._binaries[tool]

    def kubectl_argv(self) -> list[str]:
        return [str(self._binaries["kubectl"]), "--kubeconfig", str(self.kubeconfig)]

    async def start(self) -> None:
        self._binaries = await ensure_built()
        sweep_stale_folders(self._parent)
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=self._parent))
        (self.folder / _OWNER_FILE).write_text(str(os.getpid()))
        try:
            extra_ips = [] if self._node_address is None else [self._node_address, SERVICE_IP]
            self._certs = write_certs(self.folder / "pki", extra_ips)
            for attempt in range(1, _START_ATTEMPTS + 1):
                # A free port can be taken between our probe and the server's bind;
                # on that rare race, pick new ports and try again.
                self.etcd_port, self.apiserver_port = free_port(), free_port()
                try:
                    await self._start_etcd()
                    await self._start_apiserver()
                    break
                except ControlPlaneError:
                    await self._stop_processes()
                    if attempt == _START_ATTEMPTS:
                        raise
            self._write_kubeconfig()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await self._stop_processes()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    async def stop_apiserver(self) -> None:
        """Stop kube-apiserver alone (etcd keeps the data), to test reconnection."""
        if self._apiserver is not None:
            await terminate(self._apiserver)
            self._apiserver = None

    async def start_apiserver(self) -> None:
        """Start kube-apiserver again on the same port and etcd."""
        if self._apiserver is None:
            await self._start_apiserver()

    async def __aenter__(self) -> ControlPlane:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- internals --------------------------------------------------------------------

    def _require_folder(self) -> Path:
        if self.folder is None:
            raise ControlPlaneError("the control plane is not started")
        return self.folder

    async def _stop_processes(self) -> None:
        if self._apiserver is not None:
            await terminate(self._apiserver)
            self._apiserver = None
        if self._etcd is not None:
            await terminate(self._etcd)
            self._etcd = None

    async def _start_etcd(self) -> None:
        folder = self._require_folder()
        client_url = f"http://127.0.0.1:{self.etcd_port}"
        argv = [
            str(self._binaries["etcd"]),
            f"--data-dir={folder / 'etcd'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            "--listen-peer-urls=http://127.0.0.1:0",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]
        log = folder / "etcd.log"
        self._etcd = await spawn(argv, log)
        await self._wait_ready(self._etcd, log, f"{client_url}/health", "etcd", tls=False)

    async def _start_apiserver(self) -> None:
        folder = self._require_folder()
        certs = self.certs
        argv = [
            str(self._binaries["kube-apiserver"]),
            f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            f"--bind-address={self.address}",
            f"--advertise-address={self.address}",
            f"--secure-port={self.apiserver_port}",
            f"--cert-dir={folder / 'pki'}",
            f"--tls-cert-file={certs.serving_cert}",
            f"--tls-private-key-file={certs.serving_key}",
            f"--client-ca-file={certs.ca_cert}",
            f"--service-account-key-file={certs.sa_public_key}",
            f"--service-account-signing-key-file={certs.sa_private_key}",
            f"--service-account-issuer=https://{self.address}:{self.apiserver_port}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            *self._mode_args(),
            *self._audit_args(),
            *self._extra_apiserver_args,
        ]
        log = folder / "kube-apiserver.log"
        self._apiserver = await spawn(argv, log)
        await self._wait_ready(
            self._apiserver, log, f"{self.url}/readyz", "kube-apiserver", tls=True
        )

    def _mode_args(self) -> list[str]:
        if self._node_address is None:
            # No controller-manager runs here, so nothing would create the default
            # ServiceAccount that this admission plugin insists on for pods.
            return ["--disable-admission-plugins=ServiceAccount"]
        # A node's kubelet serves `kubectl logs`; it trusts anyone (see node.py), so the
        # apiserver needs no client certificate for it.
        return ["--kubelet-preferred-address-types=InternalIP"]

    def _audit_args(self) -> list[str]:
        if not self._audit:
            return []
        policy = self._require_folder() / "audit-policy.yaml"
        # Writes only, at Metadata level: enough to count status writes per object cheaply.
        policy.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "audit.k8s.io/v1",
                    "kind": "Policy",
                    "omitStages": ["RequestReceived"],
                    "rules": [
                        {"level": "Metadata", "verbs": ["create", "update", "patch", "delete"]},
                        {"level": "None"},
                    ],
                }
            )
        )
        return [
            f"--audit-policy-file={policy}",
            f"--audit-log-path={self.audit_log}",
            "--audit-log-format=json",
            "--audit-log-mode=blocking",
        ]

    def _client_ssl(self) -> ssl.SSLContext:
        certs = self.certs
        context = ssl.create_default_context(cafile=str(certs.ca_cert))
        context.load_cert_chain(str(certs.admin_cert), str(certs.admin_key))
        return context

    async def _wait_ready(
        self, proc: asyncio.subprocess.Process, log: Path, url: str, name: str, *, tls: bool
    ) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
        timeout = aiohttp.ClientTimeout(total=_PROBE_TIMEOUT_SECONDS)
        connector = aiohttp.TCPConnector(ssl=self._client_ssl() if tls else False)
        last_error = "no answer yet"
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            while time.monotonic() < deadline:
                if proc.returncode is not None:
                    raise ControlPlaneError(
                        f"{name} exited with code {proc.returncode}:\n{log_tail(log)}"
                    )
                try:
                    async with session.get(url) as response:
                        if response.status == 200:
                            return
                        last_error = f"HTTP {response.status}: {(await response.text())[:300]}"
                except (aiohttp.ClientError, TimeoutError, OSError) as error:
                    last_error = repr(error)
                await asyncio.sleep(0.2)
        raise ControlPlaneError(
            f"{name} was not ready at {url} after {_READY_TIMEOUT_SECONDS:.0f}s "
            f"({last_error}):\n{log_tail(log)}"
        )

    def _write_kubeconfig(self) -> None:
        certs = self.certs

        def b64(path: Path) -> str:
            return base64.b64encode(path.read_bytes()).decode()

        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": self.url,
                        "certificate-authority-data": b64(certs.ca_cert),
                    },
                }
            ],
            "users": [
                {
                    "name": "local-admin",
                    "user": {
                        "client-certificate-data": b64(certs.admin_cert),
                        "client-key-data": b64(certs.admin_key),
                    },
                }
            ],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": "local-admin"}}],
            "current-context": "local",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))
        self.kubeconfig.chmod(0o600)
