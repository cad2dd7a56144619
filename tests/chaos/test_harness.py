"""The chaos harness's own judgement: its proxies, and how it reads overlap, rates and logs.

The scenarios' verdicts are only as good as these pieces, so each is checked on its own,
in-process and fast.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from chaos import request_rate
from chaos.leadership import LeaseWatcher, overlap
from chaos.operator_logs import summarize
from chaos.sagemaker_proxy import DROPPED, Call, LoggingProxy
from chaos.tcp_proxy import StallingProxy
from sagemaker_emulator.testing import make_client, running_emulator


@pytest.fixture(autouse=True)
def _credentials(aws_credentials: None) -> None:
    """The proxy test signs requests to the emulator."""


def test_a_window_may_hold_ten_seconds_of_budget_plus_the_burst() -> None:
    evenly = [i / 10 for i in range(300)]  # 10 calls/s for 30 s
    assert request_rate.check(evenly, budget=10).within
    assert request_rate.check(evenly, budget=10).allowed == 110
    bunched = [0.0] * 111 + [20.0]
    found = request_rate.check(bunched, budget=10)
    assert (found.busiest, found.within) == (111, False)


def test_overlap_counts_only_calls_after_the_other_holder_was_seen() -> None:
    watcher = LeaseWatcher(api=None, namespace="ns", name="lease")
    watcher.seen = [(0.0, "a"), (10.0, "b")]
    calls = {
        "a": [Call(5.0, "DescribeTrainingJob", 200), Call(9.9, "CreateTrainingJob", 200)],
        "b": [Call(12.0, "DescribeTrainingJob", 200)],
    }
    assert overlap(watcher, calls).calls == 0  # a's last call came before b was seen
    calls["a"] += [Call(10.5, "CreateTrainingJob", 200), Call(11.5, "DescribeTrainingJob", 200)]
    found = overlap(watcher, calls)
    assert found.calls == 2
    assert found.seconds == pytest.approx(1.0)
    assert found.operations == {"a CreateTrainingJob": 1, "a DescribeTrainingJob": 1}


def test_a_relist_is_a_list_after_trouble_not_a_second_informer(tmp_path: Path) -> None:
    def line(event: str, kind: str = "trainingjobs") -> str:
        return json.dumps({"event": event, "kind": kind, "scope": "ns", "level": "info"})

    log = tmp_path / "operator-a-01.log"
    log.write_text(
        "\n".join(
            [
                line("listed"),
                line("listed"),  # the tuning controller's informer of TrainingJobs
                line("listed", "models"),
                line("watch_failed_retrying"),
                "Traceback (most recent call last):",
                line("listed"),
                '{"event": "cut sh',
            ]
        )
    )
    summary = summarize([log])
    assert (summary.relists, summary.events["listed"]) == (1, 4)


async def _read_or_reset(reader: asyncio.StreamReader) -> bytes:
    """What a read gives: data, or b"" for a connection closed or reset under it."""
    try:
        return await asyncio.wait_for(reader.read(100), 5)
    except ConnectionResetError:
        return b""


async def test_reset_aborts_open_connections_and_new_ones_still_flow() -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(100):
            writer.write(data)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    proxy = StallingProxy(server.sockets[0].getsockname()[1])
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await asyncio.wait_for(reader.read(100), 5) == b"ping"
        assert proxy.reset_existing() == 1
        assert await _read_or_reset(reader) == b"", "the reset connection still answered"
        fresh_reader, fresh_writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        fresh_writer.write(b"pong")
        assert await asyncio.wait_for(fresh_reader.read(100), 5) == b"pong"
        fresh_writer.close()
    finally:
        await proxy.stop()
        server.close()


async def test_logging_proxy_records_calls_and_passes_drops_on() -> None:
    async with running_emulator() as emulator:
        proxy = LoggingProxy(emulator.url)
        await proxy.start()
        try:
            client: Any = make_client(proxy.url, "sagemaker", retries_off=True)
            async with client as sagemaker:
                listed = await sagemaker.list_training_jobs()
                assert listed["TrainingJobSummaries"] == []
                emulator.control.inject("drop", times=1)
                with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
                    await sagemaker.list_models()
        finally:
            await proxy.stop()
    assert [(c.operation, c.status) for c in proxy.calls] == [
        ("ListTrainingJobs", 200),
        ("ListModels", DROPPED),
    ]
