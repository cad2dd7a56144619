"""The base model every kind, spec and sub-object derives from, and the schema markers.

Markers are plain values placed in `Annotated[...]` metadata; `apis.schema` reads them
when it turns a model into the CRD's OpenAPI schema, so one declaration drives both
the pydantic validation and the apiserver's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator


class ApiModel(BaseModel):
    """A CRD object: lowerCamelCase on the wire, snake_case in Python, unknown keys refused."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        protected_namespaces=(),
        # A model's validator is built when first used, not when its class is defined: the
        # hundreds of generated SageMaker shapes cost tens of MiB built, and a process
        # builds only the ones its kinds validate (none, while it holds no resources).
        defer_build=True,
    )

    # Attribute of an old-operator misspelling -> the attribute it stands for.
    legacy_spellings: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _fold_legacy_spellings(self) -> Self:
        """Accept the old operator's misspelt fields by moving them to the right ones."""
        for legacy, canonical in self.legacy_spellings.items():
            value = getattr(self, legacy)
            if value is None:
                continue
            current = getattr(self, canonical)
            if current is not None and current != value:
                raise ValueError(f"{legacy} and {canonical} are the same field and differ")
            setattr(self, canonical, value)
            setattr(self, legacy, None)
        return self

    def to_wire(self) -> dict[str, Any]:
        """The object as Kubernetes stores it: camelCase keys, unset fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass(frozen=True)
class ListMapKey:
    """Marks a list whose items are keyed by one field (`x-kubernetes-list-type: map`).

    The apiserver then refuses two items with the same key, which is how a SageMaker map
    (hyperparameters, environment) or tag list stays a map when written as a YAML list.
    """

    key: str


@dataclass(frozen=True)
class PreserveUnknownFields:
    """Marks a value the schema cannot describe structurally (checked by pydantic instead)."""


@dataclass(frozen=True)
class StringFormat:
    """An OpenAPI string format such as `date-time`."""

    name: str


def unique_items(key: str) -> AfterValidator:
    """Pydantic's half of `ListMapKey`: refuse two items with the same key."""

    def check(items: Sequence[Any]) -> Sequence[Any]:
        seen: set[Any] = set()
        for item in items:
            value = getattr(item, key)
            if value in seen:
                raise ValueError(f"duplicate {key} {value!r}")
            seen.add(value)
        return items

    return AfterValidator(check)
