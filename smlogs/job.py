"""What the resource says about its SageMaker job: name, region, endpoint and status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smlogs.kinds import TERMINAL_STATUSES, JobKind


@dataclass(frozen=True)
class JobView:
    kind: JobKind
    name: str
    job_name: str | None
    region: str
    endpoint: str | None
    status: str
    secondary: str
    additional: str

    @classmethod
    def of(cls, kind: JobKind, resource: dict[str, Any]) -> JobView:
        spec = resource.get("spec") or {}
        status = resource.get("status") or {}
        return cls(
            kind=kind,
            name=str(resource["metadata"]["name"]),
            job_name=status.get(kind.name_field) or None,
            region=str(spec.get("region") or ""),
            endpoint=spec.get("sageMakerEndpoint") or None,
            status=str(status.get(kind.status_field) or ""),
            secondary=str(status.get("secondaryStatus") or ""),
            additional=str(status.get("additional") or ""),
        )

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def header(self) -> str:
        """The old plugin's first line, on stderr."""
        text = (
            f'"{self.name}" has SageMaker {self.kind.sagemaker_noun} "{self.job_name}" in region '
            f'"{self.region}", status "{self.status}"'
        )
        if self.kind.has_secondary_status:
            text += f' and secondary status "{self.secondary}"'
        return text

    def state(self) -> str:
        """The status in a few words, for the messages that wait or give up."""
        parts = [f'status "{self.status or "unknown"}"']
        if self.kind.has_secondary_status and self.secondary:
            parts.append(f'secondary status "{self.secondary}"')
        if self.additional:
            parts.append(f'additional "{self.additional}"')
        return ", ".join(parts)
