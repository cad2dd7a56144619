"""Start an emulator for a test and make aiobotocore clients that talk to it.

async with running_emulator(manual_clock=True) as emu:
    async with emu.client("sagemaker", retries_off=True) as sagemaker:
        await sagemaker.create_training_job(...)
        emu.control.advance(300)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

from sagemaker_emulator.control import EmulatorControl
from sagemaker_emulator.server import EmulatorServer

DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


@cache
def _session() -> AioSession:
    # Loading service models is the slow part; one session serves every client.
    return get_session()


@dataclass
class RunningEmulator:
    server: EmulatorServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def control(self) -> EmulatorControl:
        return self.server.control

    def client(
        self,
        service: str,
        retries_off: bool = False,
        region: str = "us-east-1",
        timeout: float = 10.0,
        client_validation: bool = True,
    ) -> Any:
        """An aiobotocore client context manager pointed at this emulator."""
        return make_client(self.url, service, retries_off, region, timeout, client_validation)


def make_client(
    url: str,
    service: str,
    retries_off: bool = False,
    region: str = "us-east-1",
    timeout: float = 10.0,
    client_validation: bool = True,
) -> Any:
    """An aiobotocore client context manager for an emulator at ``url``.

    ``client_validation=False`` lets malformed requests reach the emulator, to
    see the service-side ValidationException instead of botocore's own check.
    """
    retries: dict[str, Any] = (
        {"total_max_attempts": 1} if retries_off else {"max_attempts": 3, "mode": "standard"}
    )
    config = AioConfig(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries=retries,
        parameter_validation=client_validation,
    )
    return _session().create_client(
        service, region_name=region, endpoint_url=url, config=config, **DUMMY_CREDENTIALS
    )


@asynccontextmanager
async def running_emulator(
    time_scale: float = 1.0,
    manual_clock: bool = False,
    seed: int | None = 0,
    check_responses: bool = True,
    host: str = "127.0.0.1",
) -> AsyncIterator[RunningEmulator]:
    """An emulator on a free loopback port for the duration of the block.

    Responses are checked against the service model by default, so a shape bug
    fails the test that provoked it.
    """
    server = EmulatorServer(
        host=host,
        time_scale=time_scale,
        manual_clock=manual_clock,
        seed=seed,
        check_responses=check_responses,
    )
    async with server:
        yield RunningEmulator(server)
