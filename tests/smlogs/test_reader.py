"""The merge of a job's streams against the emulator's CloudWatch Logs: order, no loss, no
repeat, whatever the page boundaries and however many events share a millisecond."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from sagemaker_emulator.testing import RunningEmulator
from smlogs.cloudwatch import LogsClient
from smlogs.output import LogLine
from smlogs.reader import JobLogReader
from tests.emulator.conftest import emulator

__all__ = ["emulator"]  # on a manual clock, one per test

GROUP = "/aws/sagemaker/TrainingJobs"
STREAMS = ("job/algo-1-1", "job/algo-2-1", "job/algo-3-1")


@pytest_asyncio.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[LogsClient]:
    async with emulator.client("logs", retries_off=True) as logs:
        yield LogsClient(logs, "us-east-1", GROUP, seed=0)


async def drained(reader: JobLogReader) -> list[LogLine]:
    lines: list[LogLine] = []
    async for batch in reader.drain():
        lines.extend(batch)
    return lines


def write(
    emulator: RunningEmulator, rng: random.Random, counter: list[int], base: int, count: int
) -> list[LogLine]:
    """``count`` events spread over few milliseconds from ``base``, so many share one; in
    time order, as an instance writes them."""
    written = []
    for stamp in sorted(base + rng.randint(0, 3) for _ in range(count)):
        stream = rng.choice(STREAMS)
        counter[0] += 1
        message = f"event {counter[0]}"
        emulator.control.put_log_events(GROUP, stream, [{"timestamp": stamp, "message": message}])
        written.append(LogLine(stamp, stream, message))
    return written


def in_store_order(emulator: RunningEmulator, prefix: str = "job/") -> list[LogLine]:
    events = emulator.control.log_events(GROUP, prefix)
    lines = [LogLine(e["timestamp"], e["stream"], e["message"]) for e in events]
    return sorted(lines, key=lambda line: (line.timestamp, line.stream))


@pytest.mark.parametrize("seed", range(6))
async def test_polls_print_every_event_once_in_time_order(
    emulator: RunningEmulator, client: LogsClient, seed: int
) -> None:
    rng = random.Random(seed)
    emulator.control.set_log_page_limit(rng.randint(1, 5))
    reader = JobLogReader(client, "job/", page_size=rng.randint(1, 7))
    counter, base, printed = [0], 1_700_000_000_000, []
    for _ in range(6):
        written = write(emulator, rng, counter, base, rng.randint(0, 25))
        await reader.discover()
        batch = await drained(reader)
        # Each poll is in time order (ties: stream name, then the order written) ...
        assert batch == sorted(batch, key=lambda line: (line.timestamp, line.stream))
        printed.extend(batch)
        # ... and the next poll's events come later, or in the same millisecond.
        base = max([base, *(line.timestamp for line in written)])
    assert sorted(printed) == sorted(in_store_order(emulator))
    assert len({line.message for line in printed}) == len(printed) == counter[0]


async def test_a_completed_job_reads_as_one_sorted_log(
    emulator: RunningEmulator, client: LogsClient
) -> None:
    rng = random.Random(7)
    write(emulator, rng, [0], 1_700_000_000_000, 300)
    emulator.control.set_log_page_limit(4)
    reader = JobLogReader(client, "job/", page_size=10)
    await reader.discover()
    assert await drained(reader) == in_store_order(emulator)
    assert await drained(reader) == [], "a second drain finds nothing new"
    # One page at a time per stream: never more than the page size asked for.
    assert client.stats.by_operation["GetLogEvents"] >= 300 // 4


async def test_tail_takes_the_newest_lines_of_all_streams_then_follows_from_the_end(
    emulator: RunningEmulator, client: LogsClient
) -> None:
    rng = random.Random(3)
    counter = [0]
    write(emulator, rng, counter, 1_700_000_000_000, 60)
    emulator.control.set_log_page_limit(3)
    reader = JobLogReader(client, "job/", page_size=5)
    await reader.discover()
    everything = in_store_order(emulator)
    assert await reader.tail(7) == everything[-7:]
    assert await drained(reader) == [], "tail left every cursor at its stream's end"
    later = write(emulator, rng, counter, 1_700_000_000_010, 5)
    assert sorted(await drained(reader)) == sorted(later)

    fresh = JobLogReader(client, "job/")
    await fresh.discover()
    assert await fresh.tail(0) == []
    assert await drained(fresh) == []
    assert await JobLogReader(client, "job/").tail(1000) == []  # no streams discovered


async def test_start_time_and_prefix(emulator: RunningEmulator, client: LogsClient) -> None:
    rng = random.Random(5)
    write(emulator, rng, [0], 1_700_000_000_000, 40)
    reader = JobLogReader(client, "job/algo-2", start_time=1_700_000_000_002)
    await reader.discover()
    assert set(reader.cursors) == {"job/algo-2-1"}
    expected = [
        line
        for line in in_store_order(emulator, "job/algo-2")
        if line.timestamp >= 1_700_000_000_002
    ]
    assert await drained(reader) == expected
    assert expected


async def test_no_log_group_is_reported(client: LogsClient) -> None:
    reader = JobLogReader(client, "job/")
    assert await reader.discover() is False
    assert reader.cursors == {}
