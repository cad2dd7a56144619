"""Stopping leaves nothing behind: no process, no temporary folder, even when interrupted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from local_cluster import ControlPlane
from local_cluster.control_plane import FOLDER_PREFIX, sweep_stale_folders
from local_cluster.processes import pid_alive


async def _wait_gone(pids: list[int], seconds: float = 15.0) -> list[int]:
    async with asyncio.timeout(seconds):
        while alive := [pid for pid in pids if pid_alive(pid) and not _is_zombie(pid)]:
            await asyncio.sleep(0.1)
    return alive


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return False


def _children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in children.read_text().split()]
    except FileNotFoundError:
        return []


async def test_stop_leaves_no_process_and_no_folder(tmp_path: Path) -> None:
    plane = ControlPlane(parent=tmp_path)
    await plane.start()
    pids, folder = plane.pids, plane.folder
    assert folder is not None
    assert folder.is_dir()
    assert len(pids) == 2
    assert all(pid_alive(pid) for pid in pids)
    await plane.stop()
    assert not await _wait_gone(pids)
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


async def _start_cli(tmp_path: Path) -> tuple[asyncio.subprocess.Process, Path]:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "local_cluster",
        "start",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    async with asyncio.timeout(120):
        line = (await proc.stdout.readline()).decode().strip()
    assert line.startswith("KUBECONFIG="), line
    kubeconfig = Path(line.removeprefix("KUBECONFIG="))
    assert kubeconfig.is_file()
    return proc, kubeconfig


async def test_interrupted_cli_stops_servers_and_cleans_up(tmp_path: Path) -> None:
    proc, kubeconfig = await _start_cli(tmp_path)
    servers = _children_of(proc.pid)
    assert len(servers) == 2
    proc.send_signal(signal.SIGINT)
    async with asyncio.timeout(30):
        assert await proc.wait() == 0
    assert not await _wait_gone(servers)
    assert not kubeconfig.parent.exists()


async def test_killed_parent_takes_its_servers_along(tmp_path: Path) -> None:
    proc, kubeconfig = await _start_cli(tmp_path)
    servers = _children_of(proc.pid)
    assert len(servers) == 2
    proc.kill()
    await proc.wait()
    assert not await _wait_gone(servers), "etcd or kube-apiserver outlived a killed parent"
    # A killed run cannot clean up; the next start sweeps its folder.
    assert kubeconfig.parent.name.startswith(FOLDER_PREFIX)
    assert kubeconfig.parent.exists()
    sweep_stale_folders(tmp_path)
    assert not kubeconfig.parent.exists()


@pytest.mark.parametrize("owner", ["self", "garbage"])
def test_sweep_spares_folders_of_live_owners(tmp_path: Path, owner: str) -> None:
    folder = tmp_path / f"{FOLDER_PREFIX}x"
    folder.mkdir()
    (folder / "owner.pid").write_text(str(os.getpid()) if owner == "self" else "not-a-pid")
    sweep_stale_folders(tmp_path)
    assert folder.exists()
