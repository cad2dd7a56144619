"""A job's log streams read in time order, with one page per stream in memory at most.

Every stream has its own GetLogEvents cursor (a forward token), so a line is never lost
or printed twice, whatever the page boundaries and however many events share a
millisecond: the token is a position in the stream, not a time. The streams' pages are
merged with a heap on (timestamp, stream name), which orders lines across instances.
FilterLogEvents would interleave the streams for us, but it can only be resumed by time,
and lines of the same millisecond on either side of a page or a poll would then have to
be recognised and dropped, with no bound on how many to remember.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from smlogs.cloudwatch import LogGroupMissing, LogsClient
from smlogs.output import LogLine

# Events per GetLogEvents page: memory stays flat whatever the log's length.
PAGE_SIZE = 2000
# Lines handed to the printer at once.
BATCH_SIZE = 2000


def _line(stream: str, event: dict[str, Any]) -> LogLine:
    return LogLine(int(event["timestamp"]), stream, str(event.get("message", "")))


@dataclass
class StreamCursor:
    name: str
    token: str | None = None
    buffer: deque[LogLine] = field(default_factory=deque)
    caught_up: bool = False


class JobLogReader:
    def __init__(
        self,
        client: LogsClient,
        prefix: str,
        start_time: int | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._client = client
        self.prefix = prefix
        self.start_time = start_time
        self.page_size = page_size
        self.cursors: dict[str, StreamCursor] = {}

    async def discover(self) -> bool:
        """Look for the job's streams; False when the log group does not exist yet."""
        try:
            async for name in self._client.stream_names(self.prefix):
                if name not in self.cursors:
                    self.cursors[name] = StreamCursor(name)
        except LogGroupMissing:
            return False
        return True

    async def _fill(self, cursor: StreamCursor) -> None:
        """Fetch the cursor's next page, unless it has read all there is for now."""
        while not cursor.buffer and not cursor.caught_up:
            sent = cursor.token
            page = await self._client.events(
                cursor.name,
                token=sent,
                from_head=True,
                start_time=self.start_time,
                limit=self.page_size,
            )
            events = page.get("events", [])
            cursor.token = page.get("nextForwardToken") or sent
            cursor.buffer.extend(_line(cursor.name, e) for e in events)
            # CloudWatch answers the token it was given when nothing follows it.
            if not events and (sent is None or cursor.token == sent):
                cursor.caught_up = True

    async def drain(self) -> AsyncIterator[list[LogLine]]:
        """Every line written since the last drain, in time order, in batches."""
        cursors = list(self.cursors.values())
        heap: list[tuple[int, str]] = []
        for cursor in cursors:
            cursor.caught_up = False
            await self._fill(cursor)
            if cursor.buffer:
                heap.append((cursor.buffer[0].timestamp, cursor.name))
        heapq.heapify(heap)
        batch: list[LogLine] = []
        while heap:
            _, name = heapq.heappop(heap)
            cursor = self.cursors[name]
            if not heap:
                # The only stream with lines left: its whole page is in order.
                batch.extend(cursor.buffer)
                cursor.buffer.clear()
            else:
                # Take every line of this stream up to the next stream's first one.
                bound = heap[0]
                buffer = cursor.buffer
                while buffer and (buffer[0].timestamp, name) <= bound:
                    batch.append(buffer.popleft())
            await self._fill(cursor)
            if cursor.buffer:
                heapq.heappush(heap, (cursor.buffer[0].timestamp, name))
            if len(batch) >= BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    async def _last_lines(self, cursor: StreamCursor, count: int) -> list[LogLine]:
        """The stream's last ``count`` lines, read backwards; leaves its cursor at the end."""
        pages: list[list[LogLine]] = []
        held, token = 0, None
        while True:
            # Even --tail 0 reads one page: its forward token is where following starts.
            page = await self._client.events(
                cursor.name,
                token=token,
                from_head=False,
                start_time=self.start_time,
                limit=max(1, min(count - held, self.page_size)),
            )
            if token is None:
                cursor.token = page.get("nextForwardToken")
            events = page.get("events", [])
            pages.append([_line(cursor.name, e) for e in events])
            held += len(events)
            back = page.get("nextBackwardToken")
            if held >= count or not events or not back or back == token:
                break
            token = back
        lines = [line for page_lines in reversed(pages) for line in page_lines]
        return lines[-count:] if count else []

    async def tail(self, count: int) -> list[LogLine]:
        """The last ``count`` lines of all streams together, in time order.

        Holds at most ``count`` lines per stream; every cursor is left at its stream's end,
        so a following drain prints only what comes after.
        """
        newest: deque[LogLine] = deque(maxlen=count)
        per_stream = [await self._last_lines(c, count) for c in self.cursors.values()]
        newest.extend(heapq.merge(*per_stream, key=lambda line: (line.timestamp, line.stream)))
        return list(newest)
