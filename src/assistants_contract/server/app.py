"""The reference server as an ASGI app: thin endpoints over the store, routed by the contract itself.

Every request is placed with the checking core (`Contract.match`), so the server serves exactly the
operations the contract documents, at `/v1/...` and at the bare paths, with the version the `OpenAI-Beta`
header asks for. Requests the contract rejects get the real API's 400 body with `param` set; domain errors
from the store become responses in one exception handler.

With `self_check=True` every response the server sends is checked against the contract too (streams event by
event); what is found is kept in `app.state.violations` for tests to assert on.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .._models import Headers, Request, Severity, Violation
from .._models import Response as CoreResponse
from ..contract import Contract
from ..contract.checks import Match
from .errors import APIError, BadRequest, NotFound, Unauthorized
from .mock import MockBackend
from .render import Renderer
from .stateful import StatefulBackend
from .store import Store

__all__ = ["create_app", "MODES"]

MODES = ("stateful", "mock")
_BETA_MESSAGE = (
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the"
    " header 'OpenAI-Beta: assistants={version}'."
)
_NO_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer"
    " auth (i.e. Authorization: Bearer YOUR_KEY)."
)
_POLL_AFTER_MS = "10"


def create_app(
    mode: str = "stateful",
    *,
    contract: Contract | None = None,
    store: Store | None = None,
    default_version: str = "v2",
    stream_delay: float = 0.0,
    self_check: bool = False,
) -> Starlette:
    """Build the app. `stream_delay` spaces streamed events (seconds) so clients see them arrive one by one."""
    if mode not in MODES:
        raise ValueError(f"unknown server mode {mode!r}; choose one of {', '.join(MODES)}")
    contract = contract or Contract.load(default_version=default_version)
    renderers = {version: Renderer(document) for version, document in contract.documents.items()}
    backend = StatefulBackend(store or Store()) if mode == "stateful" else MockBackend()
    violations: list[Violation] = []

    async def endpoint(http: StarletteRequest) -> Response:
        body = await http.body()
        url = http.url.path + (f"?{http.url.query}" if http.url.query else "")
        request = Request(http.method, url, Headers(http.headers.items()), body or None)
        match = contract.match(request)
        try:
            call = _admit(contract, match, strict_ids=mode == "stateful")
            result = backend.handle(call)
        except APIError as e:
            return _respond(match, e.status, e.body(), contract, violations, self_check)
        render = renderers[match.version]
        if isinstance(result, list):  # a stream: (event, payload) pairs
            return _stream(match, result, render, stream_delay, contract, violations, self_check)
        return _respond(match, 200, render(result), contract, violations, self_check)

    app = Starlette(
        routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"])]
    )
    app.state.violations = violations
    app.state.backend = backend
    return app


@dataclass(frozen=True, slots=True)
class Call:
    """What an endpoint hands the backend: the operation, its path ids, query, body and version."""

    operation_id: str
    params: dict[str, str]
    query: dict[str, Any]
    body: Any
    version: str


_ID_PREFIXES = {
    "assistant_id": "asst",
    "thread_id": "thread",
    "message_id": "msg",
    "run_id": "run",
    "step_id": "step",
    "file_id": "file",
}


def _admit(contract: Contract, match: Match, *, strict_ids: bool) -> Call:
    """Turn the core's findings into the API's refusals, or into a Call for the backend."""
    request = match.request
    codes = {v.code: v for v in match.violations}
    if "request.header.missing" in codes or "request.header.invalid" in codes:
        raise BadRequest(_BETA_MESSAGE.format(version=contract.default_version), code="invalid_beta")
    if match.operation is None:
        raise NotFound(f"Invalid URL ({request.method} {request.url.split('?')[0]})")
    found = contract.check_request(match)
    for violation in found:
        if violation.code == "request.auth.missing":
            raise Unauthorized(_NO_KEY_MESSAGE)
    for violation in found:
        if violation.severity is Severity.ERROR:
            raise _bad_request(violation)
    if strict_ids:
        for name, value in match.path_params.items():
            prefix = _ID_PREFIXES.get(name)
            separator = "-" if prefix == "file" else "_"
            if prefix and not value.startswith(prefix + separator):
                raise BadRequest(
                    f"Invalid '{name}': '{value}'. Expected an ID that begins with '{prefix}'.", param=name
                )
    query: dict[str, Any] = {}
    for param in match.operation.parameters:
        if param.location == "query" and param.name in match.query:
            raw = match.query[param.name]
            query[param.name] = (
                int(raw[-1]) if param.json_type == "integer" else raw if param.json_type == "array" else raw[-1]
            )
    body = match.json_body() if request.body else {}
    return Call(match.operation.operation_id, dict(match.path_params), query, body, match.version)


def _bad_request(violation: Violation) -> BadRequest:
    param = _param_name(violation.pointer)
    if violation.code == "request.body.unknown_property":
        return BadRequest(f"Unrecognized request argument supplied: {param}", param=param)
    if violation.code == "request.body.invalid_json":
        return BadRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP"
            " library correctly. The OpenAI API expects a JSON payload.)"
        )
    if violation.code in ("request.query.invalid", "request.path.invalid", "request.body.schema"):
        detail = violation.message.split(": ", 1)[-1]
        return BadRequest(f"Invalid value for '{param or 'body'}': {detail}", param=param or None)
    return BadRequest(violation.message, param=param or None)


def _param_name(pointer: str) -> str:
    """`/tools/0/function/name` -> `tools[0].function.name`, the way the API names parameters."""
    name = ""
    for part in pointer.strip("/").split("/") if pointer else []:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name


def _headers(match: Match) -> dict[str, str]:
    headers = {"x-request-id": "req_" + secrets.token_hex(16), "openai-version": "2020-10-01"}
    if match.operation is not None and "Run" in match.operation.operation_id:
        headers["openai-poll-after-ms"] = _POLL_AFTER_MS
    return headers


def _respond(
    match: Match, status: int, payload: Any, contract: Contract, violations: list[Violation], self_check: bool
) -> Response:
    response = JSONResponse(payload, status_code=status, headers=_headers(match))
    if self_check and match.operation is not None:
        core = CoreResponse(status, Headers(response.headers.items()), bytes(response.body))
        violations.extend(contract.check_response(match, core))
    return response


def _stream(
    match: Match,
    events: list[tuple[str, Any]],
    render: Callable[[Any], Any],
    delay: float,
    contract: Contract,
    violations: list[Violation],
    self_check: bool,
) -> StreamingResponse:
    checker = contract.stream_check(match) if self_check else None

    async def body() -> AsyncIterator[bytes]:
        for name, payload in events:
            data = payload if name == "done" else json.dumps(render(payload) if isinstance(payload, dict) else payload)
            chunk = f"event: {name}\ndata: {data}\n\n".encode()
            if checker is not None:
                violations.extend(checker.feed(chunk))
            yield chunk
            if delay:
                await asyncio.sleep(delay)
        if checker is not None:
            violations.extend(checker.finish())

    headers = {**_headers(match), "cache-control": "no-cache"}
    if self_check:
        head = CoreResponse(200, Headers({"content-type": "text/event-stream"}), None)
        violations.extend(contract.check_response(match, head))
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
