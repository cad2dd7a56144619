"""The work queue's guarantees, one at a time, with real asyncio timing kept to milliseconds."""

from __future__ import annotations

import asyncio

import pytest

from controller.metrics import Metrics
from controller.rate_limiter import BackoffSettings, ExponentialBackoffLimiter
from controller.workqueue import QueueShutDown, WorkQueue


def no_jitter_queue(base: float = 0.01, cap: float = 0.04) -> WorkQueue[str]:
    settings = BackoffSettings(base_seconds=base, cap_seconds=cap, jitter=0)
    limiter = ExponentialBackoffLimiter(settings)
    return WorkQueue("test", rate_limiter=limiter)


async def test_a_key_waits_at_most_once() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    for key in ["a", "b", "a", "a", "c", "b"]:
        queue.add(key)
    assert len(queue) == 3
    assert [await queue.get() for _ in range(3)] == ["a", "b", "c"]


async def test_a_key_in_flight_is_not_handed_out_but_is_processed_again_after_done() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add("a")
    assert await queue.get() == "a"
    queue.add("a")
    queue.add("a")
    assert len(queue) == 0  # parked until done, so no second worker can take it
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)
    assert not second.done()
    queue.done("a")
    assert await asyncio.wait_for(second, 1) == "a"
    queue.done("a")
    assert len(queue) == 0


async def test_get_waits_for_an_add() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)
    assert not getter.done()
    queue.add("x")
    assert await asyncio.wait_for(getter, 1) == "x"


async def test_a_cancelled_waiter_passes_its_wake_up_on() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.add("x")  # wakes `first` ...
    first.cancel()  # ... which is cancelled before it can take the key
    assert await asyncio.wait_for(second, 1) == "x"


async def test_add_after_waits_the_delay_and_keeps_the_earlier_time() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue.add_after("a", 0.2)
    queue.add_after("a", 0.05)  # earlier: wins
    queue.add_after("a", 0.3)  # later: ignored
    assert queue.delayed_count == 1
    assert await asyncio.wait_for(queue.get(), 1) == "a"
    waited = loop.time() - start
    assert 0.05 <= waited < 0.2
    queue.done("a")
    await asyncio.sleep(0.25)
    assert len(queue) == 0, "the superseded later times must not fire again"


async def test_add_after_zero_adds_at_once() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add_after("a", 0)
    assert len(queue) == 1


async def test_rate_limited_adds_back_off_and_forget_resets() -> None:
    queue = no_jitter_queue(base=0.02, cap=0.08)
    loop = asyncio.get_running_loop()
    waits = []
    for _ in range(4):
        start = loop.time()
        queue.add_rate_limited("k")
        key = await asyncio.wait_for(queue.get(), 1)
        waits.append(loop.time() - start)
        queue.done(key)
    assert queue.num_requeues("k") == 4
    for waited, expected in zip(waits, [0.02, 0.04, 0.08, 0.08], strict=True):
        assert waited >= expected
    queue.forget("k")
    assert queue.num_requeues("k") == 0
    assert queue.rate_limiter.when("k") == pytest.approx(0.02)


async def test_shutdown_lets_in_flight_work_finish_and_stops_handing_out() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add("busy")
    busy = await queue.get()
    queue.add("busy")  # parked behind the in-flight run
    idle_worker = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    finished: list[str] = []

    async def finish_later() -> None:
        await asyncio.sleep(0.05)
        finished.append(busy)
        queue.done(busy)

    finisher = asyncio.create_task(finish_later())
    assert await queue.shut_down_with_drain(2.0) is True
    assert finished == ["busy"]
    await finisher
    with pytest.raises(QueueShutDown):
        await idle_worker
    with pytest.raises(QueueShutDown):
        await queue.get()
    assert len(queue) == 0, "a key parked behind in-flight work is not queued after shutdown"
    queue.add("late")
    queue.add_after("late", 0.01)
    queue.add_rate_limited("late")
    assert queue.delayed_count == 0


async def test_keys_still_waiting_are_not_handed_out_after_shutdown() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add("waiting")
    queue.shut_down()
    with pytest.raises(QueueShutDown):
        await queue.get()


async def test_shutdown_drain_is_bounded_when_a_worker_hangs() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add("stuck")
    await queue.get()
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await queue.shut_down_with_drain(0.1) is False
    assert loop.time() - start < 1.0


async def test_shutdown_cancels_pending_delays() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add_after("later", 0.02)
    queue.shut_down()
    await asyncio.sleep(0.05)
    assert len(queue) == 0


async def test_metrics_follow_the_queue() -> None:
    metrics = Metrics()
    clock_now = [0.0]
    queue: WorkQueue[str] = WorkQueue("widgets", metrics=metrics, clock=lambda: clock_now[0])
    labels = {"controller": "widgets", "name": "widgets"}

    def value(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert value("workqueue_adds_total") == 2
    assert value("workqueue_depth") == 2
    clock_now[0] = 1.5
    key = await queue.get()
    assert value("workqueue_depth") == 1
    assert value("workqueue_queue_duration_seconds_sum") == pytest.approx(1.5)
    clock_now[0] = 4.0
    assert value("workqueue_unfinished_work_seconds") == pytest.approx(2.5)
    assert value("workqueue_longest_running_processor_seconds") == pytest.approx(2.5)
    queue.done(key)
    assert value("workqueue_work_duration_seconds_count") == 1
    assert value("workqueue_unfinished_work_seconds") == 0
    queue.add_rate_limited("c")
    assert value("workqueue_retries_total") == 1
    queue.shut_down()


async def due(queue: WorkQueue[str], key: str) -> None:
    """``key`` through the delaying layer, as a reconcile's requeue-after puts it."""
    queue.add_after(key, 0.001)
    while key not in queue._dirty:
        await asyncio.sleep(0.001)


async def test_a_due_poll_is_handed_out_before_a_backlog_of_new_keys() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    for index in range(1000):
        queue.add(f"new-{index}")
    await due(queue, "running-job")
    assert len(queue) == 1001
    assert await queue.get() == "running-job"
    assert await queue.get() == "new-0"


async def test_a_due_key_added_while_in_flight_keeps_its_lane() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add("job")
    assert await queue.get() == "job"
    await due(queue, "job")  # due again while its reconcile runs
    for index in range(5):
        queue.add(f"new-{index}")
    queue.done("job")
    assert await queue.get() == "job"


async def test_due_keys_do_not_starve_new_ones() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    queue.add("new")
    for index in range(20):
        await due(queue, f"due-{index}")
    order = [await queue.get() for _ in range(21)]
    assert order.index("new") <= 8
    assert sorted(order) == sorted(["new", *(f"due-{i}" for i in range(20))])


async def test_add_due_goes_before_new_keys_and_moves_a_waiting_one_forward() -> None:
    queue: WorkQueue[str] = WorkQueue("q")
    for index in range(100):
        queue.add(f"new-{index}")
    queue.add_due("woken")
    queue.add_due("new-50")  # already waiting behind the backlog
    queue.add_due("woken")
    assert len(queue) == 101
    assert [await queue.get() for _ in range(3)] == ["woken", "new-50", "new-0"]
