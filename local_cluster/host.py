"""What a node changes on the host, and how to put it back: sysctls, iptables, mounts, links.

The kubelet and kube-proxy change kernel settings and add iptables chains as if they owned
the machine. On a developer's machine they do not, so node mode snapshots what it will
touch before anything starts and restores it on stop, or at the next start after a run
that was killed before it could clean up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

# The settings the kubelet (and kube-proxy) write at start-up on a machine they consider theirs.
TOUCHED_SYSCTLS = (
    "vm.overcommit_memory",
    "vm.panic_on_oom",
    "kernel.panic",
    "kernel.panic_on_oops",
    "kernel.keys.root_maxkeys",
    "kernel.keys.root_maxbytes",
    "net.ipv4.conf.all.route_localnet",
)
# Chains named like this that were not there before the node started are the node's.
OUR_CHAIN_PREFIXES = ("KUBE-", "CNI-")
_COMMAND_TIMEOUT_SECONDS = 30.0
_MNT_DETACH = 2


class HostError(RuntimeError):
    """A host command failed; the message names it and carries its output."""


async def run(*argv: str, check: bool = True, stdin: bytes | None = None) -> str:
    """Run a short host command (ip, iptables, ctr) and return its output."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(stdin), _COMMAND_TIMEOUT_SECONDS)
    except TimeoutError as error:
        proc.kill()
        await proc.wait()
        raise HostError(
            f"`{' '.join(argv)}` did not finish in {_COMMAND_TIMEOUT_SECONDS:.0f}s"
        ) from error
    text = out.decode(errors="replace")
    if check and proc.returncode != 0:
        raise HostError(f"`{' '.join(argv)}` failed (exit {proc.returncode}): {text.strip()}")
    return text


def _sysctl_path(name: str) -> Path:
    return Path("/proc/sys") / name.replace(".", "/")


def read_sysctls(names: Iterable[str] = TOUCHED_SYSCTLS) -> dict[str, str]:
    values = {}
    for name in names:
        with contextlib.suppress(OSError):
            values[name] = _sysctl_path(name).read_text().strip()
    return values


def write_sysctls(values: dict[str, str]) -> None:
    for name, value in values.items():
        with contextlib.suppress(OSError):
            if _sysctl_path(name).read_text().strip() != value:
                _sysctl_path(name).write_text(value + "\n")


def iptables_chains(save_output: str) -> dict[str, set[str]]:
    """The chains of each table in `iptables-save` output."""
    chains: dict[str, set[str]] = {}
    table = ""
    for line in save_output.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
            chains.setdefault(table, set())
        elif line.startswith(":") and table:
            chains[table].add(line[1:].split()[0])
    return chains


def removal_script(before: dict[str, set[str]], now_output: str) -> str:
    """An `iptables-restore --noflush` script deleting the chains the node added.

    Rules that jump to those chains go first (from any chain, ours or not), then the chains
    are flushed and deleted. Chains that existed before the node started are left alone.
    """
    now = iptables_chains(now_output)
    lines: list[str] = []
    table = ""
    added: set[str] = set()
    jumps: dict[str, list[str]] = {}
    for line in now_output.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
            added = {
                c
                for c in now.get(table, set()) - before.get(table, set())
                if c.startswith(OUR_CHAIN_PREFIXES)
            }
            jumps[table] = []
        elif line.startswith("-A ") and table and added:
            parts = line.split()
            target = _jump_target(parts)
            if parts[1] not in added and target in added:
                jumps[table].append("-D " + line[3:])
    for table_name, table_chains in now.items():
        ours = sorted(
            c
            for c in table_chains - before.get(table_name, set())
            if c.startswith(OUR_CHAIN_PREFIXES)
        )
        if not ours and not jumps.get(table_name):
            continue
        lines.append(f"*{table_name}")
        lines += jumps.get(table_name, [])
        lines += [f"-F {c}" for c in ours]
        lines += [f"-X {c}" for c in ours]
        lines.append("COMMIT")
    return "\n".join(lines) + "\n" if lines else ""


def _jump_target(parts: list[str]) -> str | None:
    for flag in ("-j", "-g"):
        if flag in parts:
            index = parts.index(flag)
            if index + 1 < len(parts):
                return parts[index + 1]
    return None


async def remove_added_chains(before: dict[str, dict[str, list[str]]]) -> None:
    """Delete the chains (and the jumps to them) added since ``before`` was saved."""
    for family in ("iptables", "ip6tables"):
        now = await run(f"{family}-save", check=False)
        script = removal_script(
            {t: set(c) for t, c in before.get(family, {}).items()}, _strip_counters(now)
        )
        if script:
            await run(f"{family}-restore", "--noflush", stdin=script.encode())


async def save_chains() -> dict[str, dict[str, list[str]]]:
    saved = {}
    for family in ("iptables", "ip6tables"):
        out = await run(f"{family}-save", check=False)
        saved[family] = {t: sorted(c) for t, c in iptables_chains(out).items()}
    return saved


def _strip_counters(save_output: str) -> str:
    return re.sub(r"^\[\d+:\d+\] ", "", save_output, flags=re.MULTILINE)


def mounts_under(roots: Iterable[Path]) -> list[str]:
    """Mount points below any of ``roots``, deepest first, from /proc/self/mountinfo."""
    prefixes = [str(root).rstrip("/") + "/" for root in roots]
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if any(point.startswith(p) or point + "/" == p for p in prefixes):
            points.append(point)
    return sorted(set(points), key=lambda p: p.count("/"), reverse=True)


def unmount_all(roots: Iterable[Path]) -> list[str]:
    """Detach every mount below ``roots`` (container rootfs, shm, netns, pod volumes)."""
    libc = ctypes.CDLL(None, use_errno=True)
    points = mounts_under(roots)
    for point in points:
        libc.umount2(point.encode(), _MNT_DETACH)
    return points


def save_state(path: Path, state: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(state, indent=1))
    os.replace(partial, path)
