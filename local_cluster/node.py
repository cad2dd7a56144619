"""Node mode: a real single-node cluster, so Deployments run as Pods from a local image.

On top of the control plane (in node mode: reachable from Pods, ServiceAccount admission
on) this starts Debian's containerd with runc, a CNI bridge from Debian's plugins, and the
pinned kube-controller-manager, kube-scheduler, kubelet and kube-proxy. Images are imported
into containerd from archives (no registry is needed). Needs root.

Only one node runs on a machine at a time (it owns a bridge, a kubelet port and iptables
chains); a second waits for the first. Everything it changes on the host is put back on
stop, and at the next start after a run that was killed before it could clean up.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from local_cluster import host
from local_cluster.build import ensure_built, say
from local_cluster.control_plane import SERVICE_CIDR, ControlPlane, ControlPlaneError
from local_cluster.processes import log_tail, pid_alive, spawn, terminate
from local_cluster.versions import NODE_PINNED

NODE_NAME = "sagemaker-local-node"
BRIDGE = "smnode0"
POD_CIDR = "10.244.0.0/24"
# The bridge's own address: the node IP. The apiserver, and servers Pods must reach (the
# SageMaker emulator, say), listen here.
NODE_IP = "10.244.0.1"
PAUSE_IMAGE = "localhost/sagemaker-local-node/pause:3.10"
STATE_DIR = Path("/run/sagemaker-local-node")
DATA_DIR = Path("/var/lib/sagemaker-local-node")
CGROUP_ROOT = "sagemaker-local-node"
DEBIAN_PACKAGES = {
    "containerd": "containerd",
    "runc": "runc",
    "ctr": "containerd",
    "iptables": "iptables",
    "ip": "iproute2",
    "/usr/lib/cni/bridge": "containernetworking-plugins",
}
_READY_TIMEOUT_SECONDS = 120.0
_LOCK_FILE = Path("/run/sagemaker-local-node.lock")
_HOST_STATE = DATA_DIR / "host-before.json"


class NodeError(RuntimeError):
    """The node could not start or is missing a prerequisite; the message says which."""


def missing_prerequisites() -> list[str]:
    """Debian packages node mode needs that are not installed, as `apt-get install` names."""
    absent = set()
    for tool, package in DEBIAN_PACKAGES.items():
        found = Path(tool).exists() if tool.startswith("/") else shutil.which(tool)
        if not found:
            absent.add(package)
    return sorted(absent)


class NodeCluster:
    """A control plane plus one node. ``async with NodeCluster(images=[...]) as cluster:``.

    ``images`` are image archives (docker-archive or OCI) to import into containerd; the
    pause image must be among them (``make image`` writes both).
    """

    def __init__(self, *, images: Sequence[Path], parent: Path | None = None) -> None:
        self._images = list(images)
        self.plane = ControlPlane(parent=parent, node_address=NODE_IP)
        self._procs: dict[str, asyncio.subprocess.Process] = {}
        self._lock: Any = None
        self._logs = STATE_DIR / "logs"

    @property
    def kubeconfig(self) -> Path:
        return self.plane.kubeconfig

    @property
    def logs(self) -> Path:
        return self._logs

    def kubectl_argv(self) -> list[str]:
        return self.plane.kubectl_argv()

    async def __aenter__(self) -> NodeCluster:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        if os.geteuid() != 0:
            raise NodeError("node mode runs containerd and a kubelet: it needs root")
        absent = missing_prerequisites()
        if absent:
            raise NodeError(
                f"node mode needs Debian packages that are missing: {' '.join(absent)}; "
                f"install them with: apt-get install -y {' '.join(absent)}"
            )
        binaries = await ensure_built(list(NODE_PINNED))
        self._lock = await asyncio.to_thread(_LOCK_FILE.open, "w")
        await asyncio.to_thread(fcntl.flock, self._lock, fcntl.LOCK_EX)
        try:
            await reset_host()
            await _snapshot_host()
            await _make_bridge()
            _make_cgroups()
            for folder in (STATE_DIR, self._logs, DATA_DIR / "cni"):
                folder.mkdir(parents=True, exist_ok=True)
            (STATE_DIR / "owner.pid").write_text(str(os.getpid()))
            await self.plane.start()
            await self._start_containerd()
            await self._import_images()
            await self._start_kube(binaries)
            await self._wait_ready()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for name in ("kube-proxy", "kubelet", "kube-scheduler", "kube-controller-manager"):
            proc = self._procs.pop(name, None)
            if proc is not None:
                await terminate(proc)
        await _kill_containers()
        proc = self._procs.pop("containerd", None)
        if proc is not None:
            await terminate(proc)
        await self.plane.stop()
        if self._lock is not None:
            await reset_host()
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # -- containerd --------------------------------------------------------------------

    @property
    def containerd_socket(self) -> Path:
        return STATE_DIR / "containerd.sock"

    async def ctr(self, *args: str) -> str:
        return await host.run("ctr", "--address", str(self.containerd_socket), *args)

    async def _start_containerd(self) -> None:
        config = STATE_DIR / "containerd.toml"
        config.write_text(_containerd_config(self.containerd_socket))
        (DATA_DIR / "cni" / "10-sagemaker-local-node.conflist").write_text(_cni_config())
        log = self._logs / "containerd.log"
        self._procs["containerd"] = await spawn(["containerd", "--config", str(config)], log)
        deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
        while True:
            self._check_alive("containerd", log)
            try:
                await self.ctr("version")
                break
            except host.HostError:
                if time.monotonic() > deadline:
                    raise NodeError(f"containerd did not answer:\n{log_tail(log)}") from None
                await asyncio.sleep(0.2)
        # Containers a killed run left in containerd's metadata: their processes are gone.
        leftovers = (await self.ctr("-n", "k8s.io", "containers", "ls", "-q")).split()
        if leftovers:
            await host.run(
                "ctr", "--address", str(self.containerd_socket), "-n", "k8s.io",
                "containers", "rm", *leftovers, check=False,
            )  # fmt: skip

    async def _import_images(self) -> None:
        """Import each archive unless this exact file (size, mtime) was imported already."""
        marker_file = DATA_DIR / "imported.json"
        try:
            imported: dict[str, list[float]] = json.loads(marker_file.read_text())
        except (FileNotFoundError, ValueError):
            imported = {}
        for archive in self._images:
            if not archive.is_file():
                raise NodeError(f"image archive {archive} does not exist; run `make image` first")
            stat = archive.stat()
            key = [float(stat.st_size), stat.st_mtime]
            if imported.get(str(archive)) == key:
                continue
            say(f"importing {archive.name} into containerd")
            await self.ctr("-n", "k8s.io", "images", "import", "--no-unpack", str(archive))
            imported[str(archive)] = key
            host.save_state(marker_file, dict(imported))

    # -- Kubernetes components -----------------------------------------------------------

    async def _start_kube(self, binaries: dict[str, Path]) -> None:
        kubeconfig = str(self.plane.kubeconfig)
        certs = self.plane.certs
        self._procs["kube-controller-manager"] = await spawn(
            [
                str(binaries["kube-controller-manager"]),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--leader-elect=false",
                "--secure-port=0",
                f"--root-ca-file={certs.ca_cert}",
                f"--service-account-private-key-file={certs.sa_private_key}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--use-service-account-credentials=false",
                "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller",
            ],
            self._logs / "kube-controller-manager.log",
        )
        self._procs["kube-scheduler"] = await spawn(
            [
                str(binaries["kube-scheduler"]),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--leader-elect=false",
                "--secure-port=0",
            ],
            self._logs / "kube-scheduler.log",
        )
        kubelet_config = STATE_DIR / "kubelet.yaml"
        kubelet_config.write_text(yaml.safe_dump(_kubelet_config(self.containerd_socket)))
        self._procs["kubelet"] = await spawn(
            [
                str(binaries["kubelet"]),
                f"--config={kubelet_config}",
                f"--kubeconfig={kubeconfig}",
                f"--root-dir={DATA_DIR / 'kubelet'}",
                f"--cert-dir={STATE_DIR / 'kubelet-pki'}",
                f"--hostname-override={NODE_NAME}",
                f"--node-ip={NODE_IP}",
                "--v=1",
            ],
            self._logs / "kubelet.log",
        )
        proxy_config = STATE_DIR / "kube-proxy.yaml"
        proxy_config.write_text(yaml.safe_dump(_proxy_config(kubeconfig)))
        self._procs["kube-proxy"] = await spawn(
            [
                str(binaries["kube-proxy"]),
                f"--config={proxy_config}",
                f"--hostname-override={NODE_NAME}",
            ],
            self._logs / "kube-proxy.log",
        )

    def _check_alive(self, name: str, log: Path) -> None:
        proc = self._procs.get(name)
        if proc is not None and proc.returncode is not None:
            raise NodeError(f"{name} exited with code {proc.returncode}:\n{log_tail(log)}")

    async def _wait_ready(self) -> None:
        """Until the node is Ready and the default ServiceAccount exists (Pods need both)."""
        deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
        kubectl = self.plane.kubectl_argv()
        last = ""
        while time.monotonic() < deadline:
            for name in self._procs:
                self._check_alive(name, self._logs / f"{name}.log")
            ready = await host.run(
                *kubectl, "get", "node", NODE_NAME, "-o",
                "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
                check=False,
            )  # fmt: skip
            account = await host.run(
                *kubectl, "get", "serviceaccount", "default", "-o", "name", check=False
            )
            if ready.strip() == "True" and account.startswith("serviceaccount/"):
                return
            last = f"node Ready={ready.strip()!r}, default ServiceAccount: {account.strip()!r}"
            await asyncio.sleep(0.5)
        raise NodeError(
            f"the node was not ready after {_READY_TIMEOUT_SECONDS:.0f}s ({last});\n"
            f"kubelet log:\n{log_tail(self._logs / 'kubelet.log')}"
        )


# -- host set-up and clean-up ----------------------------------------------------------


async def _make_bridge() -> None:
    """The CNI bridge, made before the apiserver starts so that it can listen on NODE_IP.

    The CNI bridge plugin later finds it and adds each Pod's veth to it.
    """
    await host.run("ip", "link", "add", BRIDGE, "type", "bridge")
    await host.run("ip", "addr", "add", f"{NODE_IP}/24", "dev", BRIDGE)
    await host.run("ip", "link", "set", BRIDGE, "up")


async def _snapshot_host() -> None:
    # Written only by a clean start: after a killed run the file is still there and holds
    # the machine as it was before that run, which is what reset_host restored.
    host.save_state(
        _HOST_STATE, {"sysctls": host.read_sysctls(), "iptables": await host.save_chains()}
    )


def our_pids() -> set[int]:
    """Processes of this node that outlive their parent: containerd shims and containers.

    Shims are matched by our containerd socket on their command line; container processes
    by the cgroup tree the kubelet puts every Pod under.
    """
    pids: set[int] = set()
    socket = str(STATE_DIR / "containerd.sock")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if socket in cmdline or str(STATE_DIR / "containerd") in cmdline:
            pids.add(int(entry.name))
    for procs in Path("/sys/fs/cgroup/pids", CGROUP_ROOT).glob("**/cgroup.procs"):
        try:
            pids.update(int(p) for p in procs.read_text().split())
        except OSError:
            continue
    pids.discard(os.getpid())
    return pids


async def _kill_containers() -> None:
    pids = our_pids()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    for _ in range(100):  # killed processes go within milliseconds; give up after 10 s
        if not any(pid_alive(p) for p in pids):
            return
        await asyncio.sleep(0.1)


def _make_cgroups() -> None:
    """The kubelet's cgroupRoot, in every cgroup v1 controller: it must exist beforehand."""
    for controller in Path("/sys/fs/cgroup").iterdir():
        if not (controller / "cgroup.procs").exists():
            continue
        top = controller / CGROUP_ROOT
        top.mkdir(exist_ok=True)
        for inherited in ("cpuset.cpus", "cpuset.mems"):
            # A new cpuset cgroup starts with no CPUs or memory nodes: copy the parent's.
            if (top / inherited).exists() and not (top / inherited).read_text().strip():
                (top / inherited).write_text((controller / inherited).read_text())


def _remove_cgroups() -> None:
    for controller in Path("/sys/fs/cgroup").iterdir():
        top = controller / CGROUP_ROOT
        if not top.is_dir():
            continue
        for folder in sorted(top.glob("**/"), key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:
                continue


async def reset_host() -> None:
    """Put back everything a node changes: safe to call any time, and more than once.

    Kills the node's leftover containers, unmounts everything below its folders, deletes
    its bridge, the iptables chains it added and its cgroups, and restores the sysctls.
    """
    await _kill_containers()
    host.unmount_all([STATE_DIR, DATA_DIR / "kubelet", DATA_DIR / "containerd"])
    _remove_cgroups()
    await host.run("ip", "link", "del", BRIDGE, check=False)
    try:
        before = json.loads(_HOST_STATE.read_text())
    except (FileNotFoundError, ValueError):
        before = None
    if before is not None:
        await host.remove_added_chains(before["iptables"])
        host.write_sysctls(before["sysctls"])
        _HOST_STATE.unlink()
    # Runtime state only: the containerd image store under DATA_DIR is kept (a warm start
    # does not import the images again).
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    shutil.rmtree(DATA_DIR / "kubelet", ignore_errors=True)


# -- configuration files -----------------------------------------------------------------


def _containerd_config(socket: Path) -> str:
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    return f"""version = 2
root = "{DATA_DIR / "containerd"}"
state = "{STATE_DIR / "containerd"}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{socket}"

[ttrpc]
  address = "{socket}.ttrpc"

[{cri}]
  sandbox_image = "{PAUSE_IMAGE}"
  # This kind of VM withholds CAP_SYS_RESOURCE: a negative oom_score_adj (which the kubelet
  # asks for) would kill every sandbox.
  restrict_oom_score_adj = true
  netns_mounts_under = "{STATE_DIR / "netns"}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_cdi = false

[{cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[{cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[{cri}.containerd.runtimes.runc.options]
  # crun fails on this kind of VM; runc works.
  BinaryName = "/usr/bin/runc"
  SystemdCgroup = false

[{cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "{DATA_DIR / "cni"}"

[plugins."io.containerd.internal.v1.opt"]
  path = "{DATA_DIR / "opt"}"
"""


def _cni_config() -> str:
    return json.dumps(
        {
            "cniVersion": "1.0.0",
            "name": NODE_NAME,
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": BRIDGE,
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": POD_CIDR, "gateway": NODE_IP}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": str(STATE_DIR / "ipam"),
                    },
                },
            ],
        },
        indent=1,
    )


def _kubelet_config(socket: Path) -> dict[str, object]:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": NODE_IP,
        "readOnlyPort": 0,
        "healthzPort": 0,
        # The apiserver reaches the kubelet for `kubectl logs` with no client certificate.
        "authentication": {"anonymous": {"enabled": True}, "webhook": {"enabled": False}},
        "authorization": {"mode": "AlwaysAllow"},
        # What this kind of VM needs (measured): cgroup v1 with the cgroupfs driver, swap on.
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": f"/{CGROUP_ROOT}",
        "failCgroupV1": False,
        "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{socket}",
        "clusterDomain": "cluster.local",
        "resolvConf": "/etc/resolv.conf",
        # The images are imported, never pulled: never garbage-collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {
            "memory.available": "50Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "serializeImagePulls": False,
        "nodeStatusUpdateFrequency": "5s",
        "syncFrequency": "10s",
    }


def _proxy_config(kubeconfig: str) -> dict[str, object]:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clientConnection": {"kubeconfig": kubeconfig},
        "clusterCIDR": POD_CIDR,
        "bindAddress": NODE_IP,
        "healthzBindAddress": "",
        "metricsBindAddress": "",
        # Leave the machine's conntrack table size and route_localnet alone.
        "conntrack": {"maxPerCore": 0},
        "iptables": {"localhostNodePorts": False},
        "nodePortAddresses": [f"{NODE_IP}/32"],
    }


__all__ = [
    "NODE_IP",
    "ControlPlaneError",
    "NodeCluster",
    "NodeError",
    "missing_prerequisites",
    "reset_host",
]
