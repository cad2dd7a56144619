"""CloudWatch Logs reads: DescribeLogStreams, GetLogEvents and FilterLogEvents."""

from __future__ import annotations

import base64
import json
import shlex
from typing import Any

from sagemaker_emulator.context import Handler, Params, RequestContext, Response
from sagemaker_emulator.errors import ServiceError
from sagemaker_emulator.listing import decode_token, encode_token
from sagemaker_emulator.log_store import LogStream
from sagemaker_emulator.state import ACCOUNT_ID


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def _group_name(params: Params) -> str:
    name = params.get("logGroupName") or params.get("logGroupIdentifier")
    if not name:
        raise invalid("Should provide either name or identifier")
    # An identifier may be the group's ARN: arn:aws:logs:<region>:<account>:log-group:<name>
    return str(name).split(":log-group:", 1)[-1].removesuffix(":*")


def _group(ctx: RequestContext, params: Params) -> tuple[str, dict[str, LogStream]]:
    name = _group_name(params)
    streams = ctx.region.logs.groups.get(name)
    if streams is None:
        raise ServiceError("ResourceNotFoundException", "The specified log group does not exist.")
    return name, streams


def _stream_record(ctx: RequestContext, group: str, stream: LogStream) -> dict[str, Any]:
    record: dict[str, Any] = {
        "logStreamName": stream.name,
        "creationTime": stream.created,
        "arn": f"arn:aws:logs:{ctx.region.name}:{ACCOUNT_ID}:log-group:{group}:log-stream:"
        f"{stream.name}",
        "storedBytes": 0,
    }
    if stream.events:
        record["firstEventTimestamp"] = stream.events[0].timestamp
        record["lastEventTimestamp"] = stream.events[-1].timestamp
        record["lastIngestionTime"] = stream.events[-1].ingestion_time
    return record


def describe_log_streams(ctx: RequestContext, params: Params) -> Response:
    prefix = params.get("logStreamNamePrefix", "")
    order = params.get("orderBy", "LogStreamName")
    if prefix and order == "LastEventTime":
        raise invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
    group, streams = _group(ctx, params)
    chosen = [s for s in streams.values() if s.name.startswith(prefix)]
    if order == "LastEventTime":
        chosen.sort(key=lambda s: s.events[-1].timestamp if s.events else s.created)
    else:
        chosen.sort(key=lambda s: s.name)
    if params.get("descending"):
        chosen.reverse()
    offset = decode_token(params.get("nextToken"))
    limit = ctx.world.log_settings.cap(int(params.get("limit") or 50))
    page = chosen[offset : offset + limit]
    response: Response = {"logStreams": [_stream_record(ctx, group, s) for s in page]}
    if offset + limit < len(chosen):
        response["nextToken"] = encode_token(offset + limit)
    return response


def _token_index(token: str, direction: str) -> int:
    if not token.startswith(f"{direction}/") or not token[2:].isdigit():
        raise invalid("The specified nextToken is invalid.")
    return int(token[2:])


def get_log_events(ctx: RequestContext, params: Params) -> Response:
    _, streams = _group(ctx, params)
    stream = streams.get(params["logStreamName"])
    if stream is None:
        raise ServiceError("ResourceNotFoundException", "The specified log stream does not exist.")
    events = stream.window(params.get("startTime"), params.get("endTime"))
    limit = ctx.world.log_settings.cap(int(params.get("limit") or 10000))
    token = params.get("nextToken")
    if token and token.startswith("b/"):
        end = min(_token_index(token, "b"), len(events))
        start = max(0, end - limit)
    elif token:
        start = min(_token_index(token, "f"), len(events))
        end = min(len(events), start + limit)
    elif params.get("startFromHead"):
        start, end = 0, min(len(events), limit)
    else:
        end = len(events)
        start = max(0, end - limit)
    return {
        "events": [
            {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time}
            for e in events[start:end]
        ],
        "nextForwardToken": f"f/{end:056d}",
        "nextBackwardToken": f"b/{start:056d}",
    }


def _matcher(pattern: str | None) -> Any:
    """CloudWatch's term syntax: all plain terms, any '?term', no '-term'; quotes group."""
    if not pattern or not pattern.strip():
        return lambda message: True
    if pattern.strip().startswith("{") or pattern.strip().startswith("["):
        raise invalid("JSON and space-delimited filter patterns are not supported by the emulator.")
    try:
        terms = shlex.split(pattern)
    except ValueError as error:
        raise invalid("Invalid filter pattern.") from error
    required = [t for t in terms if not t.startswith(("?", "-"))]
    optional = [t[1:] for t in terms if t.startswith("?")]
    excluded = [t[1:] for t in terms if t.startswith("-")]

    def matches(message: str) -> bool:
        if any(term in message for term in excluded):
            return False
        if not all(term in message for term in required):
            return False
        return not optional or any(term in message for term in optional)

    return matches


def _decode_position(token: str) -> tuple[int, int]:
    try:
        stamp, sequence = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(stamp), int(sequence)
    except (ValueError, TypeError) as error:
        raise invalid("The specified nextToken is invalid.") from error


def filter_log_events(ctx: RequestContext, params: Params) -> Response:
    _, streams = _group(ctx, params)
    names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
    if names and prefix:
        raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
    if names:
        chosen = [streams[name] for name in names if name in streams]
    else:
        chosen = [s for s in streams.values() if s.name.startswith(prefix or "")]
    matches = _matcher(params.get("filterPattern"))
    after = _decode_position(params["nextToken"]) if params.get("nextToken") else None
    found = [
        (event, stream.name)
        for stream in chosen
        for event in stream.window(params.get("startTime"), params.get("endTime"))
        if matches(event.message) and (after is None or (event.timestamp, event.sequence) > after)
    ]
    found.sort(key=lambda pair: (pair[0].timestamp, pair[0].sequence))
    limit = ctx.world.log_settings.cap(int(params.get("limit") or 10000))
    page = found[:limit]
    response: Response = {
        "events": [
            {
                "logStreamName": name,
                "timestamp": event.timestamp,
                "message": event.message,
                "ingestionTime": event.ingestion_time,
                "eventId": f"{event.sequence:056d}",
            }
            for event, name in page
        ],
        "searchedLogStreams": [
            {"logStreamName": stream.name, "searchedCompletely": True} for stream in chosen
        ],
    }
    if len(found) > limit:
        last = page[-1][0]
        position = json.dumps([last.timestamp, last.sequence]).encode()
        response["nextToken"] = base64.urlsafe_b64encode(position).decode()
    return response


OPERATIONS: dict[str, Handler] = {
    "DescribeLogStreams": describe_log_streams,
    "GetLogEvents": get_log_events,
    "FilterLogEvents": filter_log_events,
}
