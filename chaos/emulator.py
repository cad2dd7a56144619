"""The SageMaker emulator as its own process: its faults, its request log, what it holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from operator_stack import emulator_request

from local_cluster.processes import terminate
from local_stack.processes import start_emulator
from sagemaker_emulator.testing import make_client

REGION = "us-east-1"  # every resource the suite applies names this region
_LIST_SECONDS = 30.0
_PAGE = 100


@dataclass
class Emulator:
    process: asyncio.subprocess.Process
    url: str
    log: Path

    async def inject(self, kind: str, **options: Any) -> int:
        """A fault (``throttle``, ``expired_token``, ``drop``, ...); returns its id."""
        answer = await emulator_request(self.url, "POST", "faults", {"kind": kind, **options})
        return int(answer["id"])

    async def remove_fault(self, fault_id: int) -> None:
        await emulator_request(self.url, "DELETE", f"faults/{fault_id}")

    async def clear_faults(self) -> None:
        await emulator_request(self.url, "DELETE", "faults")

    async def request_log(self) -> dict[str, Any]:
        """Counts by operation and error, and every logged request (the latest 100,000)."""
        return await emulator_request(self.url, "GET", "requests?limit=100000")

    async def list_names(self, noun: str) -> dict[str, str]:
        """Every ``noun`` (TrainingJob, Model, EndpointConfig, Endpoint) in the region, by name,
        with its status ("" for the nouns that have none)."""
        found: dict[str, str] = {}
        method = "list_" + "".join(f"_{c.lower()}" if c.isupper() else c for c in noun)[1:] + "s"
        summaries = f"{noun}Summaries" if noun.endswith("Job") else f"{noun}s"
        async with make_client(self.url, "sagemaker", region=REGION, timeout=_LIST_SECONDS) as sm:
            token: str | None = None
            while True:
                page = await getattr(sm, method)(
                    MaxResults=_PAGE, **({"NextToken": token} if token else {})
                )
                for item in page[summaries]:
                    found[item[f"{noun}Name"]] = str(item.get(f"{noun}Status", ""))
                token = page.get("NextToken")
                if not token:
                    return found


@asynccontextmanager
async def running_emulator(folder: Path, time_scale: float) -> AsyncIterator[Emulator]:
    log = folder / "emulator.log"
    process, url = await start_emulator(log, time_scale)
    try:
        yield Emulator(process, url, log)
    finally:
        await terminate(process)
