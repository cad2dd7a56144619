"""Filtering, sorting and paging shared by every List operation."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sagemaker_emulator.errors import validation_error

T = TypeVar("T")


def as_epoch(value: Any) -> float:
    """JSON 1.1 sends timestamps as epoch seconds; accept ISO 8601 as well."""
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix != "offset":
            raise ValueError(token)
        return int(number)
    except ValueError as error:
        raise validation_error("Invalid pagination token.") from error


def paginate(
    items: Sequence[T], params: dict[str, Any], default_max: int = 10
) -> tuple[list[T], str | None]:
    offset = decode_token(params.get("NextToken"))
    size = int(params.get("MaxResults") or default_max)
    page = list(items[offset : offset + size])
    more = offset + size < len(items)
    return page, encode_token(offset + size) if more else None


# A List request's time bounds: (parameter, the record field it bounds, +1 after / -1 before).
_TIME_BOUNDS = (
    ("CreationTimeAfter", "CreationTime", 1),
    ("CreationTimeBefore", "CreationTime", -1),
    ("LastModifiedTimeAfter", "LastModifiedTime", 1),
    ("LastModifiedTimeBefore", "LastModifiedTime", -1),
)

TimeLimit = tuple[str, float, int]  # record field, limit (epoch seconds), direction


def time_limits(params: dict[str, Any]) -> list[TimeLimit]:
    """The time bounds ``params`` sets, each read once."""
    return [
        (field, as_epoch(params[param]), direction)
        for param, field, direction in _TIME_BOUNDS
        if param in params
    ]


def within(limits: Sequence[TimeLimit], time_of: Callable[[str], float | None]) -> bool:
    """Whether the times ``time_of`` gives for each bounded field (None: not bounded) are
    strictly inside ``limits``."""
    for field, limit, direction in limits:
        value = time_of(field)
        if value is not None and (value - limit) * direction <= 0:
            return False
    return True


def filter_records(
    records: list[dict[str, Any]], params: dict[str, Any], name_key: str, status_key: str | None
) -> list[dict[str, Any]]:
    needle = (params.get("NameContains") or "").lower()
    status = params.get("StatusEquals")
    limits = time_limits(params)
    wanted = []
    for record in records:
        if needle and needle not in record[name_key].lower():
            continue
        if status and status_key and record.get(status_key) != status:
            continue
        if within(limits, record.get):
            wanted.append(record)
    return wanted


def sort_records(
    records: list[dict[str, Any]],
    params: dict[str, Any],
    sort_keys: dict[str, str],
    default_by: str = "CreationTime",
    default_order: str = "Ascending",
) -> list[dict[str, Any]]:
    field = sort_keys.get(params.get("SortBy") or default_by, "CreationTime")
    descending = (params.get("SortOrder") or default_order) == "Descending"

    def key(record: dict[str, Any]) -> tuple[bool, Any]:
        value = record.get(field)
        return (value is None, value if value is not None else 0)

    return sorted(records, key=key, reverse=descending)


def list_response(
    records: list[dict[str, Any]],
    params: dict[str, Any],
    list_field: str,
    summary_fields: frozenset[str],
    expand: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One page of ``records`` as summaries. With ``expand``, the records are light (only
    what filtering and sorting read) and only the page's records are expanded in full, so
    a list over thousands of jobs costs the page it returns, not a describe of each job."""
    page, token = paginate(records, params)
    if expand is not None:
        page = [expand(record) for record in page]
    summaries = [
        {k: v for k, v in record.items() if k in summary_fields and v is not None}
        for record in page
    ]
    response: dict[str, Any] = {list_field: summaries}
    if token:
        response["NextToken"] = token
    return response
