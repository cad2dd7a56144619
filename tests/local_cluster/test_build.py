"""The pinned binaries: the right versions, and a cached build never calls Go again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_asyncio

from local_cluster import build
from local_cluster.versions import PINNED, binary_path


async def _output(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def built() -> dict[str, Path]:
    return await build.ensure_built()


@pytest.mark.parametrize(
    ("tool", "argv"),
    [
        ("kube-apiserver", ["--version"]),
        ("kubectl", ["version", "--client"]),
        ("etcd", ["--version"]),
        ("helm", ["version", "--short"]),
    ],
)
async def test_binary_reports_its_pinned_version(
    built: dict[str, Path], tool: str, argv: list[str]
) -> None:
    out = await _output(str(built[tool]), *argv)
    assert PINNED[tool].version.lstrip("v") in out, out


async def test_cached_binaries_are_not_rebuilt(
    built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def go_must_not_run(args: list[str], cwd: Path, label: str) -> str:
        raise AssertionError(f"go {args} ran although every binary is cached")

    monkeypatch.setattr(build, "_run_go", go_must_not_run)
    paths = await build.ensure_built()
    assert paths == {tool: binary_path(tool) for tool in PINNED}


async def test_unknown_tool_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tool"):
        await build.ensure_built(["kube-frobnicator"])
