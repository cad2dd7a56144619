"""A loopback TCP proxy that can stall or reset its connections: half-open and broken links.

TLS passes through untouched, so the client still talks to the real kube-apiserver.

* ``freeze_existing()``: open connections stop forwarding bytes in both directions (and hide
  the far end's close), like a half-open TCP connection; new connections work normally.
* ``reset_existing()``: open connections are aborted at both ends (a TCP RST), as when a
  load balancer or NAT forgets them; new connections work normally.
* ``partition()``: like ``freeze_existing`` and new connections are accepted but stall too.
* ``heal()``: new connections (and those made during the partition) flow again; connections
  frozen before stay frozen, as a dead peer's connection would.

The controller runtime's tests and the chaos suite's watch-fault scenario share it.
"""

from __future__ import annotations

import asyncio
import contextlib

_CONNECT_SECONDS = 10.0


class _Link:
    def __init__(self, flowing: bool) -> None:
        self.flowing = asyncio.Event()
        if flowing:
            self.flowing.set()
        self.frozen_for_good = False
        self.closed = False
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: list[asyncio.Task[None]] = []


class StallingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: list[_Link] = []
        self._partitioned = False
        self.connections = 0

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in self._links:
            for task in link.tasks:
                task.cancel()
            for writer in link.writers:
                writer.close()
        for link in self._links:
            await asyncio.gather(*link.tasks, return_exceptions=True)

    def freeze_existing(self) -> int:
        frozen = 0
        for link in self._links:
            if link.flowing.is_set() and not link.closed:
                frozen += 1
            link.flowing.clear()
            link.frozen_for_good = True
        return frozen

    def reset_existing(self) -> int:
        """Abort every open connection at both ends; returns how many were open."""
        reset = 0
        for link in self._links:
            if link.closed or link.frozen_for_good:
                continue
            reset += 1
            link.closed = True
            for writer in link.writers:
                # abort() drops unsent data and closes at once: the peer sees a reset.
                writer.transport.abort()
            for task in link.tasks:
                task.cancel()
        self._links = [link for link in self._links if not link.closed]
        return reset

    def partition(self) -> None:
        self._partitioned = True
        self.freeze_existing()

    def heal(self) -> None:
        self._partitioned = False
        for link in self._links:
            if not link.frozen_for_good:
                link.flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        link = _Link(flowing=not self._partitioned)
        self._links.append(link)
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target_port), _CONNECT_SECONDS
            )
        except (OSError, TimeoutError):
            link.closed = True
            writer.close()
            return
        link.writers = [writer, up_writer]
        link.tasks = [
            asyncio.create_task(self._pump(reader, up_writer, link)),
            asyncio.create_task(self._pump(up_reader, writer, link)),
        ]

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link
    ) -> None:
        try:
            while True:
                chunk = await reader.read(65536)
                await link.flowing.wait()  # a frozen link neither forwards nor closes
                if not chunk:
                    break
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                if link.flowing.is_set():
                    link.closed = True
                    writer.close()
