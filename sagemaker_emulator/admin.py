"""The admin HTTP API under ``/_emulator/``: the control surface for other processes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sagemaker_emulator.control import EmulatorControl
from sagemaker_emulator.state import DEFAULT_REGION

PREFIX = "/_emulator"

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as error:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"invalid JSON: {error}"}), content_type="application/json"
        ) from error
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be a JSON object"}),
            content_type="application/json",
        )
    return body


def _guarded(route: Route) -> Route:
    """Bad admin input answers 400 with the reason, never 500."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await route(request)
        except (ValueError, TypeError, KeyError) as error:
            return web.json_response({"error": str(error)}, status=400)

    return guarded


def admin_routes(control: EmulatorControl) -> list[web.RouteDef]:
    async def status(request: web.Request) -> web.StreamResponse:
        return web.json_response(control.status())

    async def set_clock(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if "time_scale" in body:
            control.set_time_scale(float(body["time_scale"]))
        if "manual" in body:
            control.set_manual_clock(bool(body["manual"]))
        return web.json_response(control.status())

    async def advance(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        control.advance(float(body["seconds"]))
        return web.json_response({"now": control.now()})

    async def set_timings(request: web.Request) -> web.StreamResponse:
        control.set_timings(**{k: float(v) for k, v in (await _body(request)).items()})
        return web.json_response(control.status()["timings"])

    async def add_failure(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        options = {k: body[k] for k in ("reason", "kind") if k in body}
        if "name" in body:
            control.fail(str(body["name"]), **options)
        elif "fraction" in body:
            control.fail_fraction(float(body["fraction"]), **options)
        else:
            raise ValueError("give either 'name' (wildcards allowed) or 'fraction'")
        return web.json_response(control.status()["failures"], status=201)

    async def clear_failures(request: web.Request) -> web.StreamResponse:
        control.clear_failures()
        return web.json_response([])

    async def add_rule_outcome(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if "rule" not in body:
            raise ValueError("give 'rule', the rule configuration name (wildcards allowed)")
        options = {k: str(body[k]) for k in ("status", "details", "job") if body.get(k) is not None}
        control.rule_outcome(str(body["rule"]), **options)
        return web.json_response(control.status()["rule_outcomes"], status=201)

    async def clear_rule_outcomes(request: web.Request) -> web.StreamResponse:
        control.clear_rule_outcomes()
        return web.json_response([])

    async def add_fault(request: web.Request) -> web.StreamResponse:
        fault_id = control.inject(**await _body(request))
        return web.json_response({"id": fault_id}, status=201)

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        control.clear_faults()
        return web.json_response([])

    async def remove_fault(request: web.Request) -> web.StreamResponse:
        if not control.remove_fault(int(request.match_info["fault_id"])):
            return web.json_response({"error": "no such fault"}, status=404)
        return web.json_response({"removed": int(request.match_info["fault_id"])})

    async def set_log_settings(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        limit = body.get("page_limit")
        control.set_log_page_limit(None if limit is None else int(limit))
        return web.json_response({"page_limit": limit})

    async def put_log_events(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        region = str(body.get("region") or DEFAULT_REGION)
        control.put_log_events(str(body["group"]), str(body["stream"]), body["events"], region)
        return web.json_response({"written": len(body["events"])}, status=201)

    async def log_events(request: web.Request) -> web.StreamResponse:
        query = request.query
        events = control.log_events(
            query["group"], query.get("prefix", ""), query.get("region", DEFAULT_REGION)
        )
        return web.json_response(events)

    async def requests(request: web.Request) -> web.StreamResponse:
        limit = int(request.query.get("limit", "100"))
        return web.json_response(control.requests.snapshot(limit))

    async def reset_requests(request: web.Request) -> web.StreamResponse:
        control.reset_requests()
        return web.json_response({"total": 0})

    async def reset(request: web.Request) -> web.StreamResponse:
        control.reset()
        return web.json_response(control.status())

    table: list[tuple[str, str, Route]] = [
        ("GET", "/status", status),
        ("PUT", "/clock", set_clock),
        ("POST", "/clock/advance", advance),
        ("PUT", "/timings", set_timings),
        ("POST", "/failures", add_failure),
        ("DELETE", "/failures", clear_failures),
        ("POST", "/rule-outcomes", add_rule_outcome),
        ("DELETE", "/rule-outcomes", clear_rule_outcomes),
        ("POST", "/faults", add_fault),
        ("DELETE", "/faults", clear_faults),
        ("DELETE", "/faults/{fault_id}", remove_fault),
        ("PUT", "/logs", set_log_settings),
        ("POST", "/logs/events", put_log_events),
        ("GET", "/logs/events", log_events),
        ("GET", "/requests", requests),
        ("DELETE", "/requests", reset_requests),
        ("POST", "/reset", reset),
    ]
    return [web.route(method, PREFIX + path, _guarded(route)) for method, path, route in table]
