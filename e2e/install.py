"""What the e2e scenarios share: installing the release YAML with kustomize, waiting on
resources the way a user would with kubectl, and reading the operator's JSON log."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from e2e.conftest import E2E, IMAGE, REPO

INSTALLER = REPO / "release" / "rolebased" / "installer.yaml"
SAMPLES = REPO / "config" / "samples"
SYSTEM_NAMESPACE = "sagemaker-k8s-operator-system"
DEPLOYMENT = "sagemaker-k8s-operator-controller-manager"
RELEASE_IMAGE = "ghcr.io/sagemaker-k8s-operator/operator"
# Polls SageMaker every 2 s instead of the default, so the emulator's fast jobs settle fast.
POLL_FLAG = "--job-poll-interval=2"


def kustomization(e2e: E2E, manifest: Path, folder: Path, *, replicas: int = 1) -> Path:
    """A kustomize folder over ``manifest`` that changes only the image and the endpoint.

    This is how the user guide's readers adapt the release YAML: `images:` for their own
    registry, a patch for the SageMaker endpoint (here the emulator) and credentials.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(manifest, folder / manifest.name)
    name, tag = IMAGE.rsplit(":", 1)
    config = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [manifest.name],
        "images": [{"name": RELEASE_IMAGE, "newName": name, "newTag": tag}],
        "patches": [_deployment_patch(e2e, replicas)],
    }
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def post_renderer(e2e: E2E, *, replicas: int = 1) -> Path:
    """A `helm install --post-renderer` that runs the same patch through `kubectl kustomize`.

    The charts set the image and the endpoint from values; only the credentials the
    emulator needs (IRSA gives them on EKS) and the short poll interval come from here.
    """
    folder = e2e.work / f"post-renderer-{replicas}"
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["all.yaml"],
        "patches": [_deployment_patch(e2e, replicas, endpoint=False)],
    }
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    kubectl = " ".join(e2e.cluster.kubectl_argv())
    script = folder / "render.sh"
    script.write_text(
        "#!/bin/sh\nset -e\n"
        "dir=$(mktemp -d)\ntrap 'rm -rf \"$dir\"' EXIT\n"
        f'cp {folder / "kustomization.yaml"} "$dir/"\n'
        'cat > "$dir/all.yaml"\n'
        f'{kubectl} kustomize "$dir"\n'
    )
    script.chmod(0o755)
    return script


def _deployment_patch(e2e: E2E, replicas: int, *, endpoint: bool = True) -> dict[str, Any]:
    env = [
        # The emulator ignores signatures, but botocore will not sign without credentials.
        {"name": "AWS_ACCESS_KEY_ID", "value": "local"},
        {"name": "AWS_SECRET_ACCESS_KEY", "value": "local"},
    ]
    if endpoint:
        env.append({"name": "AWS_DEFAULT_SAGEMAKER_ENDPOINT", "value": e2e.emulator_url})
    patch = [
        {"op": "add", "path": "/spec/template/spec/containers/0/env", "value": env},
        {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": POLL_FLAG},
        {"op": "replace", "path": "/spec/replicas", "value": replicas},
    ]
    return {
        "target": {"kind": "Deployment", "name": ".*controller-manager"},
        "patch": yaml.safe_dump(patch),
    }


async def wait_available(e2e: E2E, namespace: str, deployment: str) -> None:
    await e2e.kubectl(
        "-n", namespace, "rollout", "status", f"deployment/{deployment}", "--timeout=150s"
    )
    await e2e.kubectl(
        "-n", namespace, "wait", f"deployment/{deployment}",
        "--for=condition=Available", "--timeout=60s",
    )  # fmt: skip


async def get(e2e: E2E, *args: str) -> Any:
    return json.loads(await e2e.kubectl("get", *args, "-o", "json"))


async def wait_for_status(
    e2e: E2E, kind: str, name: str, field: str, want: str, namespace: str, seconds: float = 120
) -> dict[str, Any]:
    """Poll like `kubectl get -w` until ``status.<field>`` is ``want``; fail on Failed."""
    deadline = time.monotonic() + seconds
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = (await get(e2e, kind, name, "-n", namespace)).get("status") or {}
        if status.get(field) == want:
            return status
        if status.get(field) == "Failed":
            raise AssertionError(f"{kind}/{name} failed: {status}")
        await asyncio.sleep(1)
    raise AssertionError(f"{kind}/{name} did not reach {field}={want} in {seconds}s: {status}")


def sample(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SAMPLES / f"{name}.yaml").read_text())
    return document


async def operator_pods(e2e: E2E, namespace: str = SYSTEM_NAMESPACE) -> list[dict[str, Any]]:
    listed = await get(e2e, "pods", "-n", namespace, "-l", "control-plane=controller-manager")
    pods: list[dict[str, Any]] = listed["items"]
    return pods


def json_lines(log: str) -> list[dict[str, Any]]:
    """Every line of ``log`` parsed as JSON; a line that is not JSON fails the test."""
    records = []
    for line in log.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError as error:
                raise AssertionError(f"a log line is not JSON: {line!r}") from error
    return records


async def emulator_admin(
    e2e: E2E, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The emulator's admin API (docs/emulator.md), e.g. ``GET /requests``."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.request(method, f"{e2e.emulator_url}/_emulator{path}", json=body) as response,
    ):
        answer: dict[str, Any] = await response.json()
        assert response.status < 300, answer
        return answer
