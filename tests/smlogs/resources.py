"""Resources as the operator leaves them, and the lines the plugin should print for them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sagemaker_emulator.control import EmulatorControl
from smlogs.output import LineFormat, LogLine
from tests.reconcilers.harness import GROUP, PLURALS, VERSION, Kube, sample


async def fabricate(
    kube: Kube, kind: str, name: str, status: dict[str, Any] | None, **spec: Any
) -> dict[str, Any]:
    """The project's sample of ``kind`` with ``status`` written as the operator would."""
    await kube.create(sample(kind, name, **spec))
    if status is None:
        found = await kube.get(kind, name)
        assert found is not None
        return found
    return await set_status(kube, kind, name, status)


async def set_status(kube: Kube, kind: str, name: str, status: dict[str, Any]) -> dict[str, Any]:
    patched: dict[str, Any] = await kube.objects.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        kube.namespace,
        PLURALS[kind],
        name,
        {"status": status},
        _content_type="application/merge-patch+json",
    )
    return patched


def expected_lines(
    control: EmulatorControl,
    group: str,
    prefix: str,
    show_stream: bool = True,
    show_timestamp: bool = True,
    keep: Iterable[dict[str, Any]] | None = None,
) -> list[str]:
    """The store's events of the job's streams, in time order (ties: stream name, then the
    order written), as the plugin prints them."""
    events = list(keep) if keep is not None else control.log_events(group, prefix)
    events.sort(key=lambda e: (e["timestamp"], e["stream"]))
    rendered = LineFormat(show_stream, show_timestamp).render(
        [LogLine(e["timestamp"], e["stream"], e["message"]) for e in events]
    )
    return rendered.splitlines()


def interleaved(first: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    """A second instance's events between and on the first's: every other one shares a
    millisecond with the first instance's event, the others come a millisecond later."""
    return [
        {"timestamp": e["timestamp"] + (i % 2), "message": f"{stream} line {i}: {e['message']}"}
        for i, e in enumerate(first)
    ]
