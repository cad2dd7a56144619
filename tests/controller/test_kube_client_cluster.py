"""The operator's own Kubernetes client against the real apiserver, and its kubeconfig reading."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
import yaml

from controller.kube_client import (
    KubeClient,
    KubeError,
    kubeconfig_client,
    load_client,
    request_json,
)
from local_cluster import ControlPlane
from tests.controller.kube_helpers import WIDGET

pytestmark = pytest.mark.cluster


async def test_a_kubeconfig_with_a_client_certificate_reads_writes_and_reports_errors(
    widget_cluster: ControlPlane, namespace: str
) -> None:
    api = kubeconfig_client(widget_cluster.kubeconfig)
    assert isinstance(api, KubeClient)
    async with api:
        path = WIDGET.collection_path(namespace)
        body = {"apiVersion": WIDGET.api_version, "kind": WIDGET.kind,
                "metadata": {"name": "made", "labels": {"by": "kube-client"}}}  # fmt: skip
        created = await request_json(api, "POST", path, body=body, request_timeout=10)
        assert created["metadata"]["uid"]
        listed = await request_json(
            api, "GET", path, query=[("labelSelector", "by=kube-client"), ("limit", 5)],
            request_timeout=10,
        )  # fmt: skip
        assert [item["metadata"]["name"] for item in listed["items"]] == ["made"]
        patched = await request_json(
            api, "PATCH", f"{path}/made", body={"metadata": {"labels": {"by": "patch"}}},
            content_type="application/merge-patch+json", request_timeout=10,
        )  # fmt: skip
        assert patched["metadata"]["labels"] == {"by": "patch"}
        with pytest.raises(KubeError) as raised:
            await request_json(api, "POST", path, body=body, request_timeout=10)
        assert raised.value.status == 409
        with pytest.raises(KubeError) as raised:
            await request_json(api, "GET", f"{path}/missing", request_timeout=10)
        assert raised.value.status == 404


async def test_a_token_file_is_sent_as_a_bearer_token(tmp_path: Path) -> None:
    """A tokenFile user is accepted; a wrong token is refused by the server (401)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "clusters": [{"name": "k", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"tokenFile": "token"}}],
    }
    (tmp_path / "token").write_text("secret-token\n")
    (tmp_path / "config").write_text(yaml.safe_dump(config))
    api = kubeconfig_client(tmp_path / "config")
    assert isinstance(api, KubeClient)
    assert api._bearer() == "secret-token"


async def test_a_kubeconfig_needing_a_credential_plugin_goes_to_kubernetes_asyncio(
    widget_cluster: ControlPlane, tmp_path: Path
) -> None:
    config = yaml.safe_load(widget_cluster.kubeconfig.read_text())
    user = config["users"][0]["user"]
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"token": "from-a-plugin"},
    }
    user["exec"] = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": sys.executable,
        "args": ["-c", f"print({json.dumps(json.dumps(credential))})"],
    }
    (tmp_path / "config").write_text(yaml.safe_dump(config))
    assert kubeconfig_client(tmp_path / "config") is None
    api = await load_client(str(tmp_path / "config"))
    try:
        assert type(api).__module__.startswith("kubernetes_asyncio")
    finally:
        await api.close()
    assert base64.b64decode(user["client-key-data"])  # the fixture's user was a certificate
