"""Build the pinned binaries from Go modules, once per version, into the shared cache.

Each tool gets a throwaway Go module that requires the pinned upstream module. For
Kubernetes the staging modules (k8s.io/api, k8s.io/client-go, ...) are `replace`d to
their published v0.Y.Z twins, because upstream's go.mod points them at local folders
that only exist inside its own repository.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from local_cluster.versions import ALL_PINNED, PINNED, ToolVersion, bin_dir, binary_path, cache_dir

_STAGING_REPLACE = re.compile(r"^\s*(k8s\.io/[\w.-]+)\s+=>\s+\./staging/src/", re.MULTILINE)
_PROGRESS_EVERY_SECONDS = 15.0
_GO_BUILD_TIMEOUT_SECONDS = 3600.0


class BuildError(RuntimeError):
    """A Go command failed; the message carries the tail of its output."""


def say(message: str) -> None:
    print(f"[local-cluster] {message}", file=sys.stderr, flush=True)


async def _run_go(args: list[str], cwd: Path, label: str) -> str:
    """Run a go command, printing a heartbeat so a first build visibly makes progress."""
    env = dict(os.environ, GOFLAGS="-buildvcs=false", CGO_ENABLED="0")
    proc = await asyncio.create_subprocess_exec(
        "go",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []
    started = time.monotonic()

    async def pump() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            lines.append(raw.decode(errors="replace").rstrip())

    async def heartbeat() -> None:
        # Compiling one large package can print nothing for a minute; say we are alive.
        while True:
            await asyncio.sleep(_PROGRESS_EVERY_SECONDS)
            say(f"{label}: {time.monotonic() - started:.0f}s, {len(lines)} packages so far")

    ticker = asyncio.create_task(heartbeat())
    try:
        await asyncio.wait_for(pump(), _GO_BUILD_TIMEOUT_SECONDS)
        code = await asyncio.wait_for(proc.wait(), 60)
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    finally:
        ticker.cancel()
    if code != 0:
        tail = "\n".join(lines[-40:])
        raise BuildError(f"`go {' '.join(args)}` failed in {cwd} (exit {code}):\n{tail}")
    return "\n".join(lines)


async def _staging_modules(version: str, workdir: Path) -> list[str]:
    """The k8s.io modules that k8s.io/kubernetes@version keeps in its staging folder."""
    out = await _run_go(
        ["mod", "download", "-json", f"k8s.io/kubernetes@{version}"], workdir, "go mod download"
    )
    info = json.loads(out[out.index("{") :])
    gomod = await asyncio.to_thread(Path(info["GoMod"]).read_text)
    modules = sorted(set(_STAGING_REPLACE.findall(gomod)))
    if not modules:
        raise BuildError(f"no staging replace lines found in k8s.io/kubernetes@{version} go.mod")
    return modules


def _write_module(
    workdir: Path,
    requires: dict[str, str],
    replaces: dict[str, str],
    imports: Iterable[str],
    main_body: str | None = None,
) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    lines = ["module localbuild/tools", "", "go 1.24.0", ""]
    lines += [f"require {mod} {ver}" for mod, ver in requires.items()]
    lines += [f"replace {mod} => {mod} {ver}" for mod, ver in replaces.items()]
    (workdir / "go.mod").write_text("\n".join(lines) + "\n")
    if main_body is None:
        body = "//go:build tools\n\npackage tools\n\nimport (\n"
        body += "".join(f'\t_ "{imp}"\n' for imp in imports) + ")\n"
        (workdir / "tools.go").write_text(body)
    else:
        (workdir / "main.go").write_text(main_body)


def _version_ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    pkg = "k8s.io/component-base/version"
    return (
        f"-s -w -X {pkg}.gitVersion={version} -X {pkg}.gitMajor={major} "
        f"-X {pkg}.gitMinor={minor} -X {pkg}.gitTreeState=clean"
    )


async def _go_build(
    workdir: Path, package: str, tool: ToolVersion, ldflags: str, tags: str = ""
) -> None:
    target = binary_path(tool.tool)
    partial = target.with_suffix(".partial")
    say(f"building {tool.tool} {tool.version} (first time only; this takes minutes)")
    started = time.monotonic()
    tag_args = ["-tags", tags] if tags else []
    await _run_go(
        ["build", "-v", "-trimpath", "-ldflags", ldflags, *tag_args, "-o", str(partial), package],
        workdir,
        f"{tool.tool} {tool.version}",
    )
    os.replace(partial, target)
    say(f"built {target} in {time.monotonic() - started:.0f}s")


async def _build_kubernetes(tools: list[ToolVersion]) -> None:
    version = tools[0].version
    workdir = cache_dir() / "build" / f"kubernetes-{version}"
    workdir.mkdir(parents=True, exist_ok=True)
    staging = await _staging_modules(version, workdir)
    published = "v0." + version.lstrip("v").split(".", 1)[1]
    _write_module(
        workdir,
        requires={"k8s.io/kubernetes": version},
        replaces={mod: published for mod in staging},
        imports=[f"k8s.io/kubernetes/cmd/{t.tool}" for t in tools],
    )
    say(f"resolving k8s.io/kubernetes {version} with {len(staging)} staging modules at {published}")
    await _run_go(["mod", "tidy"], workdir, "go mod tidy (kubernetes)")
    for tool in tools:
        await _go_build(
            workdir, f"k8s.io/kubernetes/cmd/{tool.tool}", tool, _version_ldflags(version)
        )


async def _build_etcd(tool: ToolVersion) -> None:
    workdir = cache_dir() / "build" / f"etcd-{tool.version}"
    siblings = [
        "go.etcd.io/etcd/api/v3",
        "go.etcd.io/etcd/client/pkg/v3",
        "go.etcd.io/etcd/client/v3",
        "go.etcd.io/etcd/pkg/v3",
    ]
    main = (
        'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\n'
        "func main() { etcdmain.Main(os.Args) }\n"
    )
    _write_module(
        workdir,
        requires={tool.module: tool.version},
        replaces={mod: tool.version for mod in siblings},
        imports=[],
        main_body=main,
    )
    await _run_go(["mod", "tidy"], workdir, "go mod tidy (etcd)")
    await _go_build(workdir, ".", tool, "-s -w")


async def _build_command(tool: ToolVersion, package: str, ldflags: str, tags: str = "") -> None:
    """A tool whose command lives in its own module, which needs no replace directives."""
    workdir = cache_dir() / "build" / f"{tool.tool}-{tool.version}"
    _write_module(workdir, requires={tool.module: tool.version}, replaces={}, imports=[package])
    await _run_go(["mod", "tidy"], workdir, f"go mod tidy ({tool.tool})")
    await _go_build(workdir, package, tool, ldflags, tags=tags)


async def _build_helm(tool: ToolVersion) -> None:
    ldflags = f"-s -w -X helm.sh/helm/v3/internal/version.version={tool.version}"
    await _build_command(tool, "helm.sh/helm/v3/cmd/helm", ldflags)


async def _build_prometheus(tool: ToolVersion) -> None:
    """Prometheus with Kubernetes service discovery and no other discovery plugin.

    Its build tags leave the other clouds' SDKs uncompiled, which keeps a cold build short.
    """
    await _build_command(
        tool,
        "github.com/prometheus/prometheus/cmd/prometheus",
        "-s -w",
        tags="remove_all_sd,enable_kubernetes_sd",
    )


async def _build_krew(tool: ToolVersion) -> None:
    ldflags = f"-s -w -X sigs.k8s.io/krew/internal/version.gitTag={tool.version}"
    await _build_command(tool, "sigs.k8s.io/krew/cmd/krew", ldflags)


def missing(tools: Iterable[str]) -> list[str]:
    return [t for t in tools if not binary_path(t).is_file()]


async def ensure_built(tools: Iterable[str] = tuple(PINNED)) -> dict[str, Path]:
    """Build whichever of ``tools`` is not cached yet; return every tool's path.

    A file lock keeps two processes (``make cluster`` and a test run, say) from building
    the same binaries at once; the second waits and then finds them cached.
    """
    wanted = list(tools)
    unknown = [t for t in wanted if t not in ALL_PINNED]
    if unknown:
        raise ValueError(f"unknown tool(s) {unknown}; known: {sorted(ALL_PINNED)}")
    if missing(wanted):
        bin_dir().mkdir(parents=True, exist_ok=True)
        lock = (cache_dir() / "build.lock").open("w")
        try:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            todo = missing(wanted)
            kube = [ALL_PINNED[t] for t in todo if ALL_PINNED[t].module == "k8s.io/kubernetes"]
            if kube:
                await _build_kubernetes(kube)
            if "etcd" in todo:
                await _build_etcd(ALL_PINNED["etcd"])
            if "helm" in todo:
                await _build_helm(ALL_PINNED["helm"])
            if "prometheus" in todo:
                await _build_prometheus(ALL_PINNED["prometheus"])
            if "krew" in todo:
                await _build_krew(ALL_PINNED["krew"])
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()
    return {t: binary_path(t) for t in wanted}
