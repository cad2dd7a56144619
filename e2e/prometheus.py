"""Debian's Prometheus, run on the host, discovering the operator through the apiserver."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import yaml

from e2e.conftest import E2E
from local_cluster.build import ensure_built
from local_cluster.processes import free_port, log_tail, spawn, terminate

METRICS_SERVICE = "sagemaker-k8s-operator-controller-manager-metrics-service"
_TIMEOUT = aiohttp.ClientTimeout(total=10)
_WAIT_SECONDS = 90.0


class Prometheus:
    """``async with Prometheus(e2e, namespace=...) as p``: scrapes every 1 s.

    The scrape config is the one a user writes without the Prometheus Operator: endpoint
    slices of the operator's metrics Service, found through the real apiserver.
    """

    def __init__(self, e2e: E2E, *, namespace: str, service: str = METRICS_SERVICE) -> None:
        self._e2e = e2e
        self._namespace = namespace
        self._service = service
        self._folder = e2e.work / f"prometheus-{namespace}"
        self._proc: asyncio.subprocess.Process | None = None
        self.url = ""

    async def __aenter__(self) -> Prometheus:
        # Built from its Go module: Debian's prometheus has no Kubernetes discovery.
        binary = str((await ensure_built(["prometheus"]))["prometheus"])
        self._folder.mkdir(parents=True, exist_ok=True)
        config = self._folder / "prometheus.yml"
        config.write_text(yaml.safe_dump(self._config()))
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = self._folder / "prometheus.log"
        self._proc = await spawn(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self._folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            log,
        )
        deadline = time.monotonic() + 30
        while not await self._ready():
            if self._proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prometheus did not start:\n{log_tail(log)}")
            await asyncio.sleep(0.3)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            await terminate(self._proc)

    def _config(self) -> dict[str, Any]:
        cluster = self._e2e.cluster
        certs = cluster.plane.certs
        return {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [
                {
                    "job_name": "sagemaker-k8s-operator",
                    "kubernetes_sd_configs": [
                        {
                            "role": "endpointslice",
                            "api_server": cluster.plane.url,
                            "namespaces": {"names": [self._namespace]},
                            "tls_config": {
                                "ca_file": str(certs.ca_cert),
                                "cert_file": str(certs.admin_cert),
                                "key_file": str(certs.admin_key),
                            },
                        }
                    ],
                    "relabel_configs": [
                        {
                            "source_labels": ["__meta_kubernetes_service_name"],
                            "regex": self._service,
                            "action": "keep",
                        },
                        {
                            "source_labels": ["__meta_kubernetes_endpointslice_port_name"],
                            "regex": "metrics",
                            "action": "keep",
                        },
                        {
                            "source_labels": ["__meta_kubernetes_pod_name"],
                            "target_label": "pod",
                        },
                    ],
                }
            ],
        }

    async def _ready(self) -> bool:
        try:
            async with (
                aiohttp.ClientSession(timeout=_TIMEOUT) as session,
                session.get(f"{self.url}/-/ready") as response,
            ):
                return response.status == 200
        except (aiohttp.ClientError, OSError):
            return False

    async def query(self, promql: str) -> list[dict[str, Any]]:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.get(f"{self.url}/api/v1/query", params={"query": promql}) as response,
        ):
            body = await response.json()
        if body.get("status") != "success":
            raise AssertionError(f"query {promql!r} failed: {body}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    async def scalar(self, promql: str) -> float:
        result = await self.query(promql)
        return float(result[0]["value"][1]) if result else 0.0

    async def wait_up(self) -> list[dict[str, Any]]:
        """Until every discovered target is up (``up == 1``); returns the ``up`` series."""
        deadline = time.monotonic() + _WAIT_SECONDS
        result: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            result = await self.query('up{job="sagemaker-k8s-operator"}')
            if result and all(r["value"][1] == "1" for r in result):
                return result
            await asyncio.sleep(1)
        raise AssertionError(f"the operator's targets are not up: {result}")

    async def wait_above(self, promql: str, floor: float) -> float:
        deadline = time.monotonic() + _WAIT_SECONDS
        value = floor
        while time.monotonic() < deadline:
            value = await self.scalar(promql)
            if value > floor:
                return value
            await asyncio.sleep(1)
        raise AssertionError(f"{promql} stayed at {value} (was {floor})")

    async def target_urls(self) -> list[str]:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.get(f"{self.url}/api/v1/targets", params={"state": "active"}) as response,
        ):
            body = await response.json()
        return [t["scrapeUrl"] for t in body["data"]["activeTargets"]]

    async def target_exposition(self) -> str:
        """The text the operator serves at the scraped URL, as Prometheus fetches it."""
        (url, *_) = await self.target_urls()
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.get(url) as response,
        ):
            return await response.text()

    async def check_metrics(self, exposition: str) -> None:
        """`promtool check metrics`: exit 0 and no lint findings on the operator's output."""
        promtool = shutil.which("promtool")
        if promtool is None:
            raise FileNotFoundError("promtool is missing: apt-get install -y prometheus")
        out = await self._e2e.run(promtool, "check", "metrics", stdin=exposition, check=False)
        assert out.strip() == "", f"promtool check metrics found problems:\n{out}"

    @property
    def folder(self) -> Path:
        return self._folder
