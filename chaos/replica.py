"""One ``sagemaker-operator`` replica: its process (restarted like a pod), its SageMaker proxy.

The replica runs the real command (``local_stack.processes.start_operator``) with its own
logging proxy as ``--sagemaker-endpoint``. A supervisor task restarts the process whenever
it exits, as the kubelet restarts a pod's container: after a SIGKILL the suite sent (a
planned kill) or on its own (an exit code the scenario reports). Each start logs to its
own file, so a log can be read per process. Each process has its own identity
(``<replica>-<start>``), as a restarted pod's would (``hostname_uuid``): a new process must
win the Lease, not inherit it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from chaos.sagemaker_proxy import LoggingProxy
from local_cluster.processes import terminate
from local_stack.processes import start_operator

_RESTART_DELAY_SECONDS = 0.5
_WAIT_FOR_PROCESS_SECONDS = 30.0


class Replica:
    def __init__(
        self,
        name: str,
        kubeconfig: Path,
        sagemaker_url: str,
        folder: Path,
        flags: Callable[[str], list[str]],
    ) -> None:
        """``flags`` gives the operator's flags for a process identity."""
        self.name = name
        self.kubeconfig = kubeconfig
        self.proxy = LoggingProxy(sagemaker_url)
        self.folder = folder
        self.flags = flags
        self.logs: list[Path] = []
        self.exit_codes: Counter[int] = Counter()  # exits the suite did not cause
        self.kills = 0
        self.process: asyncio.subprocess.Process | None = None
        self.frozen = False
        self._planned_exit = False
        self._alive = asyncio.Event()
        self._stopping = False
        self._supervisor: asyncio.Task[None] | None = None

    @property
    def identity(self) -> str:
        """The current process's identity."""
        return f"{self.name}-{len(self.logs)}"

    @staticmethod
    def replica_of(identity: str) -> str:
        return identity.rpartition("-")[0]

    async def start(self) -> None:
        await self.proxy.start()
        await self._spawn()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"replica-{self.name}")

    async def kill(self) -> None:
        """SIGKILL; the supervisor starts a new process. A kill that falls while the process
        is being restarted waits for the new one, so every kill hits a live process."""
        async with asyncio.timeout(_WAIT_FOR_PROCESS_SECONDS):
            while True:
                await self._alive.wait()
                process = self.process
                if process is not None and process.returncode is None:
                    break
                await asyncio.sleep(0.05)  # exited; the supervisor has not noticed yet
        self._planned_exit = True
        self.kills += 1
        self.frozen = False  # SIGKILL ends a stopped process too, without letting it run
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        await process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the process is frozen, not dead; its connections stay open."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGSTOP)
            self.frozen = True

    def resume(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGCONT)
        self.frozen = False

    async def wait_logged(self, event: str, seconds: float) -> None:
        """Until the current process has logged ``event`` (e.g. ``leader_election_waiting``)."""
        needle = f'"event": "{event}"'
        async with asyncio.timeout(seconds):
            while True:
                # The process and its log are read together: a restart swaps both.
                process, log = self.process, self.logs[-1]
                text = await asyncio.to_thread(log.read_text, errors="replace")
                if needle in text and process is not None and process.returncode is None:
                    return
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        if self.process is not None:
            if self.frozen:
                self.resume()
            await terminate(self.process)
        await self.proxy.stop()

    async def _spawn(self) -> None:
        log = self.folder / f"operator-{self.name}-{len(self.logs) + 1:02d}.log"
        self.logs.append(log)
        self.process = await start_operator(
            self.kubeconfig, self.proxy.url, log, *self.flags(self.identity)
        )
        self._alive.set()

    async def _supervise(self) -> None:
        while not self._stopping:
            assert self.process is not None
            code = await self.process.wait()
            self._alive.clear()
            if self._stopping:
                return
            if self._planned_exit:
                self._planned_exit = False
            else:
                self.exit_codes[code] += 1
            await asyncio.sleep(_RESTART_DELAY_SECONDS)
            await self._spawn()
