"""Write pydantic models for SageMaker's request shapes, straight from botocore's service model.

SageMaker's Create* requests reach hundreds of nested shapes (debugger, profiler, data
capture, ...), each with documented lengths, patterns, ranges and enums. Typing them by
hand would drift from the API; generating them from the model botocore itself validates
against keeps every field and constraint, and a botocore upgrade shows up as a stale
`apis/generated/` (see `tests/apis/test_manifests_fresh.py`).

The old operator's wire quirks are applied here, once:
- field names are SageMaker's with the first letter lower-cased (`volumeSizeInGB`);
- a SageMaker map (hyperparameters, environment, rule parameters) is a list of
  `{name, value}` keyed by `name`; tags stay SageMaker's `{key, value}` list, keyed by `key`;
- the resource's own SageMaker name is optional (the operator derives it).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import botocore.session
from pydantic import Field, TypeAdapter
from pydantic_core import SchemaError

from apis.naming import json_name, python_name

GENERATED_DIR = Path(__file__).resolve().parent / "generated"

# Enums longer than this are instance-type lists that SageMaker extends every few months;
# as CRD enums they would refuse new instance types until the operator is upgraded.
MAX_ENUM_VALUES = 30

# The apiserver estimates the cost of the `self == oldSelf` rule on a job's spec from the
# largest value each field may hold, and refuses unbounded schemas; SageMaker leaves a few
# strings and lists unbounded, so these bounds (far above any real value) close them.
DEFAULT_MAX_STRING_LENGTH = 4096
DEFAULT_MAX_ITEMS = 100

# The old operator's JSON tags that were not its own naming rule, per shape and member;
# manifests written for it must still apply, so the CRDs accept these spellings too.
LEGACY_SPELLINGS = {
    "DataProcessing": {"JoinSource": "JoinSource", "OutputFilter": "OutputFilter"},
    "DebugHookConfig": {"HookParameters": "ruleParameters"},
    # Its ProcessingJob CRD first named S3CompressionType `compressionType`, later
    # `s3CompressionType`; manifests of either release must apply.
    "ProcessingS3Input": {"S3CompressionType": "compressionType"},
}

# Java regex features that neither Go's RE2 (the apiserver) nor Rust's regex (pydantic) has.
_UNPORTABLE_REGEX = re.compile(r"\(\?[=!<]|\\p\{Alnum\}|\\[ZzAGu]|[+*?}]\+")

_LONG_REPEAT = re.compile(r"\{(\d+),(\d{4,})\}")


@dataclass(frozen=True)
class Root:
    """One request shape to generate, and the members the operator fills in itself."""

    operation: str
    derived_members: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Service:
    """A botocore service and the requests of it that the CRDs cover."""

    name: str
    module: str
    roots: tuple[Root, ...]


SERVICES = (
    Service(
        name="sagemaker",
        module="sagemaker",
        roots=(
            Root("CreateTrainingJob", frozenset({"TrainingJobName"})),
            Root("CreateHyperParameterTuningJob", frozenset({"HyperParameterTuningJobName"})),
            Root("CreateTransformJob", frozenset({"TransformJobName"})),
            Root("CreateProcessingJob", frozenset({"ProcessingJobName"})),
            Root("CreateModel", frozenset({"ModelName"})),
            Root("CreateEndpointConfig", frozenset({"EndpointConfigName"})),
            Root("CreateEndpoint", frozenset({"EndpointName", "EndpointConfigName"})),
            Root("UpdateEndpoint", frozenset({"EndpointName", "EndpointConfigName"})),
        ),
    ),
    Service(
        name="application-autoscaling",
        module="application_autoscaling",
        roots=(
            Root(
                "PutScalingPolicy",
                frozenset({"PolicyName", "ResourceId", "ServiceNamespace", "ScalableDimension"}),
            ),
            Root(
                "RegisterScalableTarget",
                frozenset({"ResourceId", "ServiceNamespace", "ScalableDimension"}),
            ),
        ),
    ),
)


def describe(documentation: str, fallback: str) -> str:
    """The first sentence of botocore's HTML documentation, as plain text for `kubectl explain`."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", documentation or ""))
    text = " ".join(text.split())
    if not text:
        return fallback
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(sentence) > 200:
        sentence = sentence[:197].rsplit(" ", 1)[0] + "..."
    return sentence


def portable_pattern(pattern: str | None) -> str | None:
    """The pattern anchored as SageMaker applies it (whole value), or None if not portable."""
    if not pattern or pattern in {".*", ".+"} or _UNPORTABLE_REGEX.search(pattern):
        return None
    # RE2 (the apiserver) refuses repeat counts above 1000; maxLength bounds the value anyway.
    pattern = _LONG_REPEAT.sub(lambda m: "{" + m.group(1) + ",}", pattern)
    anchored = f"^(?:{pattern})$"
    try:
        TypeAdapter(Annotated[str, Field(pattern=anchored)])
    except SchemaError:
        return None
    return anchored


def _py_str(text: str, width: int = 60) -> str:
    """A Python string literal, split into implicitly joined pieces to fit the line length."""
    if len(text) <= width:
        return repr(text)
    pieces = textwrap.wrap(
        text,
        width=width,
        expand_tabs=False,
        replace_whitespace=False,
        drop_whitespace=False,
        break_on_hyphens=False,
    )
    assert "".join(pieces) == text, text
    return "(" + " ".join(repr(piece) for piece in pieces) + ")"


@dataclass
class _Module:
    """Accumulates the classes of one generated module, dependencies first."""

    service: Any
    classes: dict[str, str] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)

    def type_of(self, shape: Any, member_doc: str) -> str:
        """The annotated Python type for a shape, generating classes as needed."""
        kind = shape.type_name
        meta = shape.metadata
        if kind == "structure":
            return self.structure(shape)
        if kind == "list":
            item = self.type_of(shape.member, "")
            constraints = [f"max_length={meta.get('max', DEFAULT_MAX_ITEMS)}"]
            if meta.get("min"):
                constraints.insert(0, f"min_length={meta['min']}")
            keyed = ""
            if _is_tag(shape.member):
                # A tag list is a map in SageMaker: two tags with one key are refused there.
                self.used.update({"ListMapKey", "unique_items"})
                keyed = "ListMapKey('key'), unique_items('key'), "
            return f"Annotated[list[{item}], {keyed}Field({', '.join(constraints)})]"
        if kind == "map":
            entry = self.map_entry(shape)
            self.used.update({"ListMapKey", "unique_items"})
            constraints = [f"max_length={meta.get('max', DEFAULT_MAX_ITEMS)}"]
            if meta.get("min"):
                constraints.insert(0, f"min_length={meta['min']}")
            return (
                f"Annotated[list[{entry}], ListMapKey('name'), unique_items('name'), "
                f"Field({', '.join(constraints)})]"
            )
        if kind == "string":
            return self.string(shape)
        if kind in {"integer", "long"}:
            return self.number("int", shape)
        if kind in {"float", "double"}:
            return self.number("float", shape)
        if kind == "boolean":
            # Strict, as the apiserver is: "yes" is not a boolean.
            self.used.add("StrictBool")
            return "StrictBool"
        if kind == "timestamp":
            self.used.update({"datetime", "StringFormat"})
            return "Annotated[datetime, StringFormat('date-time')]"
        raise ValueError(f"unsupported botocore shape type {kind} ({shape.name})")

    def string(self, shape: Any) -> str:
        enum = list(getattr(shape, "enum", None) or [])
        if enum and len(enum) <= MAX_ENUM_VALUES:
            self.used.add("Literal")
            return "Literal[" + ", ".join(repr(value) for value in enum) + "]"
        meta = shape.metadata
        constraints = []
        if meta.get("min"):
            constraints.append(f"min_length={meta['min']}")
        constraints.append(f"max_length={meta.get('max', DEFAULT_MAX_STRING_LENGTH)}")
        pattern = portable_pattern(meta.get("pattern"))
        if pattern is not None:
            constraints.append(f"pattern={_py_str(pattern)}")
        return f"Annotated[str, Field({', '.join(constraints)})]"

    @staticmethod
    def number(python_type: str, shape: Any) -> str:
        meta = shape.metadata
        bounds = (("min", "ge"), ("max", "le"))
        constraints = [f"{op}={meta[key]}" for key, op in bounds if key in meta]
        if not constraints:
            return python_type
        return f"Annotated[{python_type}, Field({', '.join(constraints)})]"

    def map_entry(self, shape: Any) -> str:
        name = f"{shape.name}Entry"
        if name in self.classes:
            return name
        if shape.value.type_name != "string":
            raise ValueError(f"map {shape.name} has non-string values")
        key_type = self.string(shape.key)
        value_type = self.string(shape.value)
        # The old operator's {name, value} pairs had an optional value, sent as "" (so
        # `value:` with nothing after it, an empty environment variable, applied); keep
        # that wherever SageMaker accepts an empty value.
        default = "'', " if _accepts_empty(shape.value) else ""
        self.classes[name] = "\n".join(
            [
                f"class {name}(ApiModel):",
                f"    {_docstring(f'One entry of the SageMaker map {shape.name}.')}",
                "",
                f"    name: {key_type} = Field(description='The key of the entry.')",
                f"    value: {value_type} = Field({default}description='The value of the entry.')",
            ]
        )
        return name

    def structure(self, shape: Any, derived: frozenset[str] = frozenset(), name: str = "") -> str:
        name = name or shape.name
        if name in self.classes:
            return name
        if name in self.in_progress:
            raise ValueError(f"recursive shape {name} is not supported")
        self.in_progress.add(name)
        required = set(shape.required_members) - derived
        lines = [
            f"class {name}(ApiModel):",
            f"    {_docstring(describe(shape.documentation, f'SageMaker {shape.name}.'))}",
            "",
        ]
        for member, member_shape in shape.members.items():
            annotation = self.type_of(member_shape, member_shape.documentation)
            doc = describe(member_shape.documentation, f"SageMaker {shape.name}.{member}.")
            if member in derived:
                doc = f"Optional: derived from the resource when absent. {doc}"
            options = [f"alias={json_name(member)!r}", f"description={_py_str(doc)}"]
            attribute = python_name(member)
            if member not in required:
                annotation = f"{annotation} | None"
                options.insert(0, "None")
            lines.append(f"    {attribute}: {annotation} = Field({', '.join(options)})")
        legacy = LEGACY_SPELLINGS.get(shape.name, {})
        for member, spelling in legacy.items():
            annotation = self.type_of(shape.members[member], "")
            doc = f"The old operator's spelling of {json_name(member)}; prefer {json_name(member)}."
            lines.append(
                f"    {python_name(member)}_legacy: {annotation} | None = Field("
                f"None, alias={spelling!r}, description={_py_str(doc)})"
            )
        if legacy:
            self.used.add("ClassVar")
            pairs = ", ".join(f"{python_name(m) + '_legacy'!r}: {python_name(m)!r}" for m in legacy)
            lines.append(f"    legacy_spellings: ClassVar[dict[str, str]] = {{{pairs}}}")
        self.in_progress.discard(name)
        self.classes[name] = "\n".join(lines)
        return name


def _accepts_empty(shape: Any) -> bool:
    """Whether SageMaker's constraints on a string shape allow the empty string."""
    if getattr(shape, "enum", None) or shape.metadata.get("min", 0) > 0:
        return False
    pattern = shape.metadata.get("pattern")
    if pattern is None:
        return True
    try:
        return re.fullmatch(pattern, "") is not None
    except re.error:
        return False  # a pattern Python cannot read: do not guess


def _is_tag(shape: Any) -> bool:
    return shape.type_name == "structure" and set(shape.members) == {"Key", "Value"}


def _docstring(text: str) -> str:
    wrapped = textwrap.wrap(text.replace('"""', "'''").replace("\\", "\\\\"), width=88)
    if len(wrapped) == 1:
        return f'"""{wrapped[0]}"""'
    return '"""' + "\n    ".join(wrapped) + '\n    """'


def render_service(service: Service) -> str:
    """The source of one generated module, formatted as `ruff format` would."""
    model = botocore.session.get_session().get_service_model(service.name)
    module = _Module(model)
    for root in service.roots:
        operation = model.operation_model(root.operation)
        module.structure(operation.input_shape, root.derived_members, f"{root.operation}Request")
    typing_names = ", ".join(["Annotated", *sorted(module.used & {"ClassVar", "Literal"})])
    base_names = ", ".join(
        ["ApiModel", *sorted(module.used & {"ListMapKey", "StringFormat", "unique_items"})]
    )
    header = [
        f'"""Models of botocore\'s {service.name} request shapes (generated by apis/codegen.py).',
        "",
        f"botocore {botocore.__version__}; regenerate with `python -m apis.manifests`.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *(["from datetime import datetime"] if "datetime" in module.used else []),
        f"from typing import {typing_names}",
        "",
        f"from pydantic import {'Field, StrictBool' if 'StrictBool' in module.used else 'Field'}",
        "",
        f"from apis.base import {base_names}",
    ]
    source = "\n".join(header) + "\n\n\n" + "\n\n\n".join(module.classes.values()) + "\n"
    return _ruff_format(source)


def _ruff_format(source: str) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    argv = [str(ruff)] if ruff.exists() else [sys.executable, "-m", "ruff"]
    result = subprocess.run(
        [*argv, "format", "--stdin-filename", "generated.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def rendered_files() -> Iterator[tuple[Path, str]]:
    """Every generated module and its expected text."""
    for service in SERVICES:
        yield GENERATED_DIR / f"{service.module}.py", render_service(service)
