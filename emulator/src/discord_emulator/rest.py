"""REST API plumbing: routing, auth, rate limits, body parsing, spec checks and recording.

The routes themselves are listed in route_table.py; `handle_api` serves a request with them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .models import dumps
from .records import RequestRecord
from .rules import DiscordError, check_components, nest_errors
from .state import EmulatorState

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class ApiRequest:
    """A parsed REST request handed to a route handler."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[UploadedFile] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def int_param(self, name: str) -> int:
        """Return a path parameter as an int (404-safe)."""
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            raise DiscordError(404, 0, "404: Not Found") from None


Result = tuple[int, Any]
Handler = Callable[[EmulatorState, ApiRequest], Awaitable[Result]]


@dataclass
class Route:
    """A REST route: method, spec path template and handler."""

    method: str
    template: str
    handler: Handler
    auth: bool = True
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.sub(
            r"\{(\w+)\}",
            r"(?P<\1>[^/]+)",
            re.escape(self.template).replace(r"\{", "{").replace(r"\}", "}"),
        )
        self.regex = re.compile("^" + pattern + "$")


def match(
    routes: Sequence[Route], method: str, path: str
) -> tuple[Route | None, dict[str, str], bool]:
    """Find the route for a request; the bool says whether the path exists for another method."""
    path_known = False
    best: tuple[Route, dict[str, str]] | None = None
    for r in routes:
        m = r.regex.match(path)
        if m is None:
            continue
        path_known = True
        if r.method == method and (best is None or len(m.groupdict()) < len(best[1])):
            best = (r, m.groupdict())
    if best is not None:
        return best[0], best[1], True
    return None, {}, path_known


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """Build a response whose Content-Type is exactly application/json."""
    h = dict(JSON_HEADERS)
    if headers:
        h.update(headers)
    if status == 204:
        h.pop("Content-Type", None)
        return web.Response(status=204, headers=h)
    return web.Response(status=status, body=dumps(body).encode(), headers=h)


async def _parse_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    ctype = request.content_type
    if ctype == "multipart/form-data":
        body: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        async for part in reader:
            name = getattr(part, "name", None) or ""
            if name == "payload_json":
                body = json.loads(await part.text())
            elif getattr(part, "filename", None):
                data = await part.read()
                files.append(
                    UploadedFile(
                        name, part.filename or "file", bytes(data), part.headers.get("Content-Type")
                    )
                )
        return body, files
    if not request.body_exists:
        return None, []
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None


def _major(params: dict[str, str]) -> str:
    for key in ("channel_id", "guild_id", "webhook_id", "interaction_id"):
        if key in params:
            extra = params.get("webhook_token", "") if key == "webhook_id" else ""
            return f"{key}={params[key]}{extra}"
    return ""


async def handle_api(
    emu: EmulatorState, request: web.Request, routes: Sequence[Route]
) -> web.StreamResponse:
    """Serve one REST request with the first matching route of `routes`."""
    method = request.method
    path = "/" + request.match_info["tail"]
    auth = request.headers.get("Authorization", "")
    token = auth[4:] if auth.startswith("Bot ") else ""
    r, params, path_known = match(routes, method, path)
    if r is None:
        status, msg = (405, "405: Method Not Allowed") if path_known else (404, "404: Not Found")
        emu.unknown_routes.append((method, path))
        emu.requests.append(RequestRecord(method, path, path, status, token=token))
        log.warning("Emulator does not know %s %s (answered %s)", method, path, status)
        return json_response(status, {"message": msg, "code": 0})
    if r.auth and not request.headers.get("Authorization", "").startswith("Bot "):
        emu.requests.append(RequestRecord(method, r.template, path, 401, token=token))
        err = DiscordError(401, 0, "401: Unauthorized")
        emu.violate("auth", method, r.template, err)
        return json_response(401, err.body())
    if r.auth:
        if emu.valid_tokens is not None and token not in emu.valid_tokens:
            emu.requests.append(RequestRecord(method, r.template, path, 401, token=token))
            return json_response(401, {"message": "401: Unauthorized", "code": 0})
        if token not in emu.tokens:
            emu.tokens.append(token)
    held = emu.ratelimiter.take_delay(method, r.template, path)
    if held:  # injected latency: the request reaches Discord's side this much later
        await asyncio.sleep(held)
    decision = emu.ratelimiter.check(
        method,
        r.template,
        path,
        _major(params),
        exempt_global=r.template.startswith(("/interactions/", "/webhooks/")),
    )
    if decision.status is not None:
        rec = RequestRecord(method, r.template, path, decision.status, token=token)
        emu.requests.append(rec)
        if decision.status == 429:
            emu.rate_limited.append(rec)
        return json_response(decision.status, decision.body, decision.headers)
    try:
        body, files = await _parse_body(request)
        api = ApiRequest(
            method,
            path,
            r.template,
            params,
            dict(request.query),
            body,
            files,
            dict(request.headers),
        )
        _validate_request(emu, api)
        status, out = await r.handler(emu, api)
        for hook_method, hook_template, hook in list(emu.request_hooks):
            if hook_method == method and hook_template == r.template:
                await hook(api)  # people act while this request is served
    except DiscordError as err:
        status, out = err.status, err.body()
        if err.status in (400, 401, 403, 413) or err.code in (10062, 40060):
            kind = {403: "permission", 401: "auth", 413: "upload"}.get(err.status, "rule")
            if err.code == 50035 and isinstance(err.errors, dict) and "_spec" in err.errors:
                kind = "spec"
            if err.code in (10062, 40060, 50027):
                kind = "interaction"
            emu.violate(kind, method, r.template, err)
    if decision.fail_after is not None and status < 400:
        # Done, but the answer is "lost": the client sees a server error and may retry.
        emu.requests.append(
            RequestRecord(method, r.template, path, decision.fail_after[0], token=token)
        )
        emu.notify()
        return json_response(*decision.fail_after)
    emu.requests.append(RequestRecord(method, r.template, path, status, body=out, token=token))
    if emu.validate_responses and emu.spec is not None and status != 204:
        _validate_response(emu, method, r.template, status, out)
    emu.notify()
    return json_response(status, out, decision.headers)


def _validate_request(emu: EmulatorState, api: ApiRequest) -> None:
    if not emu.validate_spec or api.body is None:
        return
    spec = emu.spec
    if spec is None:
        return
    errors = spec.request_errors(api.route, api.method, api.body)
    if errors:
        # Say it as Discord would (a field path) when the emulator's own rules name the fault.
        _check_body_components(api)
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {"_spec": [{"code": "SPEC", "message": e} for e in errors]},
        )


def _check_body_components(api: ApiRequest) -> None:
    """Raise the rules' error for a request's components (a callback's are under ``data``)."""
    body = api.body
    prefix = ""
    if api.route.endswith("/callback") and isinstance(body, dict):
        body, prefix = body.get("data"), "data"
    if not isinstance(body, dict):
        return
    try:
        check_components(body.get("components"), flags=int(body.get("flags") or 0))
    except DiscordError as err:
        raise nest_errors(err, prefix) from None


def _validate_response(
    emu: EmulatorState, method: str, template: str, status: int, body: Any
) -> None:
    spec = emu.spec
    assert spec is not None
    code = 200 if status in (200, 201) else status
    if status >= 400:
        return
    errors = spec.response_errors(template, method, code, body)
    if not errors and status == 201 and spec.has_response_schema(template, method, 201):
        errors = spec.response_errors(template, method, 201, body)
    if errors:
        err = DiscordError(status, 0, "emulator response does not match the spec")
        emu.violate("response_spec", method, template, err, errors[:10])
