"""An informer: list, then watch from the list's resourceVersion, into an in-memory cache.

One *reflector* runs per watched scope (all namespaces, or each namespace of a list). Each
reflector lists, watches from the list's resourceVersion with bookmarks, and keeps going:

* every event and bookmark handled moves the resume point (``resource_version``) at once,
  as client-go's reflector does: whatever ends a watch (the server's ``timeoutSeconds``, a
  stall, a reset, a malformed line), the next one resumes from the last version handled,
  not from the list's, so a failure costs neither a relist nor a replay of old events;
* a stream that sends nothing for longer than the server timeout plus a grace is half-open
  or stalled: the client read timeout notices it and the watch is reopened;
* 410 Gone, as an HTTP status or as an ERROR event in the stream, means the history was
  compacted: the reflector relists and emits whatever changed meanwhile, deletes included;
* any other failure is logged with its traceback and retried with jittered exponential
  backoff, forever: the reflector loop is the supervisor, so a watch never dies silently.

Every object passes through the informer's transform (by default ``strip_unread``) before
the cache and the event handlers see it.

``SharedInformers`` holds one informer per kind for a whole manager: however many
controllers read a kind (its own controller, an owner's), there is one watch and one cache.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import structlog

from controller.cache import Entry, ObjectCache, ObjectEvent
from controller.kube_client import KubeApi
from controller.rate_limiter import BackoffSettings, ExponentialBackoffLimiter
from controller.resources import Kind, KubeObject, resource_version
from controller.transform import strip_unread

EventListener = Callable[[ObjectEvent], None]
Transform = Callable[[KubeObject], KubeObject]
MIN_HEALTHY_WATCH_SECONDS = 1.0


@dataclass(frozen=True)
class WatchSettings:
    """Timeouts and retry policy of list and watch calls."""

    # Asked of the server, which closes the stream then. Short, because silence is the only
    # sign of a half-open or frozen connection: HTTP/1.1 has no pings (client-go detects
    # them with HTTP/2 pings), TCP keepalive is answered by a frozen relay's kernel, and an
    # idle apiserver sends no bookmarks (measured: none in 150 s). Reopening costs little:
    # the watch resumes from the last resourceVersion it handled, without a relist.
    watch_timeout_seconds: int = 60
    read_grace_seconds: float = 30.0  # silence beyond the server timeout = a dead stream
    connect_timeout_seconds: float = 10.0
    list_timeout_seconds: float = 60.0
    page_size: int = 500
    backoff: BackoffSettings = field(
        default_factory=lambda: BackoffSettings(base_seconds=0.5, cap_seconds=30.0, jitter=0.5)
    )

    @property
    def read_timeout_seconds(self) -> float:
        return self.watch_timeout_seconds + self.read_grace_seconds


class ResourceGone(Exception):
    """410 Gone: the resourceVersion we resume from is older than the server's history."""

    def __init__(self, detail: str, *, as_event: bool) -> None:
        super().__init__(detail)
        self.as_event = as_event


class ApiError(Exception):
    """The API server answered a list or watch with an unexpected status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


class WatchStalled(Exception):
    """No byte arrived within the read timeout: the stream is half-open or stuck."""


@dataclass
class ReflectorStats:
    """Counters that show what a reflector went through (read by tests and logs)."""

    lists: int = 0
    watches_opened: int = 0
    gone: int = 0
    gone_as_status: int = 0  # the watch request itself was answered 410
    gone_as_event: int = 0  # the stream carried an ERROR event with code 410
    stalls: int = 0
    failures: int = 0


class Reflector:
    """Keeps the cache's view of one scope (a namespace, or all) in step with the server."""

    def __init__(
        self,
        api: KubeApi,
        kind: Kind,
        namespace: str | None,
        cache: ObjectCache,
        emit: EventListener,
        settings: WatchSettings,
        transform: Transform = strip_unread,
    ) -> None:
        self.api = api
        self.transform = transform
        self.kind = kind
        self.namespace = namespace
        self.cache = cache
        self.emit = emit
        self.settings = settings
        self.synced = asyncio.Event()
        self.stats = ReflectorStats()
        self.last_heard = time.monotonic()
        self.resource_version: str | None = None
        self.last_error: str | None = None  # the latest failure, for a cache-sync timeout
        self._backoff = ExponentialBackoffLimiter(settings.backoff)
        self._log = structlog.get_logger("controller.informer").bind(
            kind=str(kind), scope=namespace or "*"
        )

    def heard_recently(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return now - self.last_heard <= self.settings.read_timeout_seconds

    async def run(self) -> None:
        """List and watch until cancelled; nothing but cancellation ends this loop."""
        while True:
            try:
                if self.resource_version is None:
                    self.resource_version = await self._list()
                    self.synced.set()
                opened = time.monotonic()
                await self._watch(self.resource_version)
                if time.monotonic() - opened >= MIN_HEALTHY_WATCH_SECONDS:
                    self._backoff.forget(self)
                else:
                    # A watch the server ends at once, again and again, must not become a
                    # hot loop: treat it like a failure and back off.
                    delay = self._backoff.when(self)
                    self._log.info("watch_ended_early", retry_in_seconds=round(delay, 3))
                    await asyncio.sleep(delay)
            except asyncio.CancelledError:
                raise
            except ResourceGone as gone:
                self.stats.gone += 1
                if gone.as_event:
                    self.stats.gone_as_event += 1
                else:
                    self.stats.gone_as_status += 1
                self._log.info(
                    "watch_expired_relisting",
                    resource_version=self.resource_version,
                    via="error_event" if gone.as_event else "http_status",
                )
                self.resource_version = None
            except Exception as error:
                self.stats.failures += 1
                self.last_error = f"{type(error).__name__}: {error}"
                if isinstance(error, WatchStalled):
                    self.stats.stalls += 1
                delay = self._backoff.when(self)
                self._log.warning(
                    "watch_failed_retrying",
                    error=repr(error),
                    retry_in_seconds=round(delay, 3),
                    # Expected network and server answers need no traceback; bugs do.
                    exc_info=not isinstance(
                        error, (WatchStalled, ApiError, aiohttp.ClientError, TimeoutError)
                    ),
                )
                await asyncio.sleep(delay)

    async def _request(
        self, query: list[tuple[str, Any]], client_timeout: aiohttp.ClientTimeout
    ) -> Any:
        return await self.api.call_api(
            self.kind.collection_path(self.namespace),
            "GET",
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=client_timeout,
        )

    async def _list(self) -> str:
        """A consistent list of the scope; replaces the cache's view and emits the diff."""
        # Each page is parsed, transformed and put in the cache's compact form before the
        # next is read: a list of every object parsed at once would be the process's peak.
        items: list[Entry] = []
        continue_token = ""
        timeout = aiohttp.ClientTimeout(
            total=self.settings.list_timeout_seconds,
            sock_connect=self.settings.connect_timeout_seconds,
        )
        while True:
            query: list[tuple[str, Any]] = [("limit", self.settings.page_size)]
            if continue_token:
                query.append(("continue", continue_token))
            response = await self._request(query, timeout)
            async with response:
                body = await response.read()
                if response.status == 410 and continue_token:
                    # The continue token expired mid-pagination: start the list again.
                    items, continue_token = [], ""
                    continue
                if response.status != 200:
                    raise ApiError(response.status, body.decode(errors="replace"))
            page = json.loads(body)
            for obj in page.get("items") or []:
                obj.setdefault("apiVersion", self.kind.api_version)
                obj.setdefault("kind", self.kind.kind)
                items.append(Entry.of(self.transform(obj)))
            metadata = page.get("metadata") or {}
            continue_token = metadata.get("continue") or ""
            if not continue_token:
                break
        self.stats.lists += 1
        self.last_heard = time.monotonic()
        for event in self.cache.replace_entries(self.namespace, items):
            self.emit(event)
        list_version = str(metadata.get("resourceVersion", ""))
        self._log.info("listed", objects=len(items), resource_version=list_version)
        return list_version

    async def _watch(self, since: str) -> None:
        """Watch from ``since`` until the server ends the stream (or it fails).

        Each event handled moves ``self.resource_version`` on the spot, so a watch that
        fails half-way through has not lost its progress.
        """
        settings = self.settings
        query: list[tuple[str, Any]] = [
            ("watch", "true"),
            ("resourceVersion", since),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", settings.watch_timeout_seconds),
        ]
        # No total timeout: a watch legitimately lasts timeoutSeconds. Silence is caught
        # below, chunk by chunk, with the read timeout.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=settings.connect_timeout_seconds,
            sock_connect=settings.connect_timeout_seconds,
        )
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the awaited call completes, and a task that will not cancel keeps
        # a deposed leader's process from exiting.
        async with asyncio.timeout(settings.connect_timeout_seconds * 2):
            response = await self._request(query, timeout)
        async with response:
            if response.status == 410:
                raise ResourceGone(since, as_event=False)
            if response.status != 200:
                raise ApiError(response.status, (await response.read()).decode(errors="replace"))
            self.stats.watches_opened += 1
            self.last_heard = time.monotonic()
            buffer = bytearray()
            while True:
                try:
                    async with asyncio.timeout(settings.read_timeout_seconds):
                        chunk = await response.content.readany()
                except TimeoutError:
                    raise WatchStalled(
                        f"no data for {settings.read_timeout_seconds}s on a watch"
                    ) from None
                if not chunk:
                    self.last_heard = time.monotonic()
                    return  # the server closed the stream after timeoutSeconds
                self.last_heard = time.monotonic()
                buffer += chunk
                while (newline := buffer.find(b"\n")) >= 0:
                    line = bytes(buffer[:newline])
                    del buffer[: newline + 1]
                    if line.strip():
                        self._handle_line(line)

    def _handle_line(self, line: bytes) -> None:
        event = json.loads(line)
        event_type = event.get("type")
        obj = event.get("object") or {}
        if event_type == "ERROR":
            if obj.get("code") == 410:
                raise ResourceGone(str(obj.get("message", "")), as_event=True)
            raise ApiError(int(obj.get("code") or 0), str(obj.get("message", "")))
        version = resource_version(obj)
        if event_type != "BOOKMARK":
            obj.setdefault("apiVersion", self.kind.api_version)
            obj.setdefault("kind", self.kind.kind)
            change = self.cache.apply(str(event_type), self.transform(obj))
            if change is not None:
                self.emit(change)
        if version:
            # Saved per event, not when the watch returns: a watch that stalls or is reset
            # later must resume here, or it replays what the cache already holds (a
            # replayed DELETED evicts a re-created object) or relists a compacted version.
            self.resource_version = version


class Informer:
    """A cache of one kind over a scope, kept current by one reflector per namespace.

    ``namespaces`` empty or None watches all namespaces with a single stream.
    """

    def __init__(
        self,
        api: KubeApi,
        kind: Kind,
        *,
        namespaces: Sequence[str] | None = None,
        settings: WatchSettings | None = None,
        transform: Transform = strip_unread,
    ) -> None:
        self.kind = kind
        self.cache = ObjectCache()
        self.settings = settings or WatchSettings()
        self._listeners: list[EventListener] = []
        scopes: list[str | None] = list(namespaces) if namespaces else [None]
        self.reflectors = [
            Reflector(api, kind, scope, self.cache, self._emit, self.settings, transform)
            for scope in scopes
        ]
        self._log = structlog.get_logger("controller.informer").bind(kind=str(kind))

    def add_listener(self, listener: EventListener) -> None:
        """Call ``listener`` for every change; it must not block (enqueue keys, no I/O)."""
        self._listeners.append(listener)

    def _emit(self, event: ObjectEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                self._log.exception("event_listener_failed", key=str(event.key))

    @property
    def has_synced(self) -> bool:
        return all(reflector.synced.is_set() for reflector in self.reflectors)

    def heard_recently(self) -> bool:
        now = time.monotonic()
        return all(reflector.heard_recently(now) for reflector in self.reflectors)

    def sync_error(self) -> str | None:
        """Why the informer has not synced: the latest failure of a scope still listing."""
        for reflector in self.reflectors:
            if not reflector.synced.is_set() and reflector.last_error is not None:
                return f"{reflector.namespace or 'all namespaces'}: {reflector.last_error}"
        return None

    async def wait_synced(self) -> None:
        await asyncio.gather(*(reflector.synced.wait() for reflector in self.reflectors))

    async def run(self) -> None:
        """Run every reflector until cancelled."""
        async with asyncio.TaskGroup() as group:
            for reflector in self.reflectors:
                group.create_task(reflector.run(), name=f"reflector-{self.kind}")


class SharedInformers:
    """One informer per kind, made on first request, for every controller of a manager."""

    def __init__(
        self,
        api: KubeApi,
        *,
        namespaces: Sequence[str] | None = None,
        settings: WatchSettings | None = None,
        transform: Transform = strip_unread,
    ) -> None:
        self._api = api
        self._namespaces = namespaces
        self._settings = settings
        self._transform = transform
        self._informers: dict[Kind, Informer] = {}

    def informer(self, kind: Kind) -> Informer:
        found = self._informers.get(kind)
        if found is None:
            found = self._informers[kind] = Informer(
                self._api,
                kind,
                namespaces=self._namespaces,
                settings=self._settings,
                transform=self._transform,
            )
        return found

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers.values())
