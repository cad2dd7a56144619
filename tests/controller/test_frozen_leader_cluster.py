"""A leader frozen past its lease, then resumed, does no work (two manager processes).

A SIGSTOP stands for a long GC pause or a paused VM: the process does not run, its lease
expires, the standby takes over. When the process resumes, its event loop finds overdue
timers everywhere: the renewal loop's, and the queue's delayed keys (every object polls
every 0.2 s here, as running jobs do). Whichever runs first, no worker may take a key: the
check is made at dequeue, against the time since the last successful renewal. The proof is
the resumed process's own log, which gets a ``candidate_reconcile`` line for every reconcile
started; the process cannot write while stopped, so what follows the log's size at SIGCONT
is what it did after resuming.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from kubernetes_asyncio import client

from local_cluster import ControlPlane
from tests.controller.kube_helpers import create_object, eventually
from tests.controller.test_leader_election_cluster import (
    LEASE_SECONDS,
    lease_holder,
    reconciled_by,
    start_candidate,
    stop_candidate,
)

pytestmark = pytest.mark.cluster


async def test_a_leader_resumed_after_a_freeze_past_its_lease_does_no_work(
    widget_cluster: ControlPlane,
    api: client.ApiClient,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CANDIDATE_POLL_SECONDS", "0.2")
    for i in range(4):
        await create_object(api, namespace, f"w{i}")

    async def holder_is(identity: str) -> bool:
        return await lease_holder(api, namespace) == identity

    async def all_by(identity: str) -> bool:
        stamps = await reconciled_by(api, namespace)
        return bool(stamps) and set(stamps.values()) == {identity}

    first = await start_candidate(widget_cluster, namespace, "first", tmp_path)
    second = None
    try:
        await eventually(lambda: holder_is("first"), within=15)
        second = await start_candidate(widget_cluster, namespace, "second", tmp_path)
        await eventually(lambda: all_by("first"), within=15)

        first.process.send_signal(signal.SIGSTOP)
        await eventually(lambda: holder_is("second"), within=LEASE_SECONDS + 15)
        await create_object(api, namespace, "while-frozen")  # news for the frozen one
        await eventually(lambda: all_by("second"), within=15)

        resumed_at = first.log.stat().st_size
        first.process.send_signal(signal.SIGCONT)
        code = await asyncio.wait_for(first.process.wait(), 30)
        after = first.log.read_bytes()[resumed_at:].decode(errors="replace")
        assert code == 1, after[-3000:]
        assert "leader_election_lost" in after
        assert "candidate_reconcile" not in after, after[-3000:]
        assert await all_by("second")
    finally:
        for candidate in (first, second):
            if candidate is not None:
                await stop_candidate(candidate)
