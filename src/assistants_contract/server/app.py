"""The reference server as an ASGI app: thin endpoints over the store, routed by the contract itself.

Every request is placed with the checking core (`Contract.match`), so the server serves exactly the
operations the contract documents, at `/v1/...` and at the bare paths, with the version the `OpenAI-Beta`
header asks for. Requests the contract rejects get the real API's 400 body with `param` set; domain errors
from the store become responses in one exception handler.

With `self_check=True` every response the server sends is checked against the contract too (streams event by
event); what is found is kept in `app.state.violations` for tests to assert on.

In mock mode a request that breaks the contract in its parameters or body is answered as if it had kept it
(the offending fields left out), with what was wrong in the `x-assistants-contract-violations` header and one
log line: SDK-generated test suites send placeholders (`limit=0`, `response_format: "none"`) that a published
spec lets through and ours does not. `strict=True` refuses them with the API's 400 instead, as stateful mode does.

With `faults=[...]` the server makes the mistakes `faults.py` catalogs, on purpose, for proving that a conformance
suite catches them. They act at four points, marked "fault hook" below: the request's violations before the
server acts on them, the backend call, the JSON answer before it is sent, and a stream's events.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncGenerator, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import request_response

from .._models import Headers, Request, Severity, Violation
from .._models import Response as CoreResponse
from ..contract import Contract
from ..contract._json import MAX_DEPTH, too_deep
from ..contract.checks import Match
from ..record.redact import Redactor
from .determinism import Deterministic
from .errors import APIError, BadRequest, MethodNotAllowed, NotFound, Unauthorized
from .faults import FaultSet, Reply, resolve_faults
from .log import log
from .mock import MockBackend
from .render import Renderer
from .sse import EventStream
from .stateful import StatefulBackend
from .store import Store

__all__ = ["create_app", "MODES", "VIOLATIONS_HEADER"]

MODES = ("stateful", "mock")
VIOLATIONS_HEADER = "x-assistants-contract-violations"
# Longest value of that header: proxies and clients refuse headers of some kilobytes.
_HEADER_LIMIT = 1024
# What a lenient mock answers anyway: findings about parameter and body values. The gates of the API itself
# (OpenAI-Beta, the key), a body that is not JSON, and a path the router cannot place are still refused.
_WAIVABLE = frozenset(
    {"request.query.invalid", "request.body.missing", "request.body.schema", "request.body.unknown_property"}
)
_REDACTOR = Redactor()
_BETA_MESSAGE = (
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the"
    " header 'OpenAI-Beta: assistants={version}'."
)
_NO_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer"
    " auth (i.e. Authorization: Bearer YOUR_KEY)."
)
# The real message quotes the key half masked; this one names none of it, so no log or recording holds a key.
_WRONG_KEY_MESSAGE = (
    "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
)
_POLL_AFTER_MS = "10"
_UNPARSABLE_MESSAGE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library"
    " correctly. The OpenAI API expects a JSON payload.)"
)


def create_app(
    mode: str = "stateful",
    *,
    contract: Contract | None = None,
    store: Store | None = None,
    default_version: str = "v2",
    stream_delay: float = 0.0,
    self_check: bool = False,
    api_keys: Collection[str] = (),
    faults: Sequence[str] = (),
    seed: int | None = None,
    strict: bool = False,
) -> Starlette:
    """Build the app. `stream_delay` spaces streamed events (seconds) so clients see them arrive one by one.
    With a `seed` the server is deterministic (`determinism.py`): a fixed clock and seeded ids, so the same
    requests in the same order get the same bytes back. With `api_keys`, only those bearer keys are accepted
    (401 `invalid_api_key` otherwise); without, any key. `strict` makes mock mode refuse contract-breaking
    requests with 400 (stateful mode always does).
    `faults` names entries of `faults.FAULTS` to switch on (ValueError for an unknown name)."""
    if mode not in MODES:
        raise ValueError(f"unknown server mode {mode!r}; choose one of {', '.join(MODES)}")
    hooks = resolve_faults(faults)
    if store is not None and hooks.store_flags:
        # A store made elsewhere keeps its own flags; silently not making the fault would be worse.
        raise ValueError(f"faults {', '.join(hooks.names)} need a store of their own: leave `store` out")
    contract = contract or Contract.load(default_version=default_version)
    renderers = {version: Renderer(document) for version, document in contract.documents.items()}
    if seed is not None and store is not None:
        raise ValueError("a seed makes the store's clock and ids: leave `store` out")
    determinism = Deterministic(seed) if seed is not None else None
    seeded = {"clock": determinism.clock, "ids": determinism.new_id} if determinism else {}
    if mode == "stateful":
        backend: StatefulBackend | MockBackend = StatefulBackend(store or Store(**hooks.store_flags, **seeded))
    else:
        backend = MockBackend(lambda: Store(**seeded))
    request_ids = determinism.request_id if determinism else _random_request_id
    backend_store = backend.store if isinstance(backend, StatefulBackend) else None
    violations: list[Violation] = []
    keys = frozenset(api_keys)
    waive = mode == "mock" and not strict

    async def endpoint(http: StarletteRequest) -> Response:
        body = await http.body()
        # The path as sent (still percent-encoded): `http.url` goes through urlsplit, which drops newlines.
        raw_path = http.scope.get("raw_path") or http.url.path.encode()
        query = http.scope.get("query_string", b"")
        url = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        request = Request(http.method, url, Headers(http.headers.items()), body or None)
        match = contract.match(request)
        if determinism is not None and match.operation is not None:
            determinism.tick()  # not for probes of undocumented paths, whose number a recording does not fix
        try:
            call = _admit(contract, match, check_ids=mode == "stateful", api_keys=keys, hooks=hooks, waive=waive)
            result = hooks.serve(call, backend.handle, backend_store)  # fault hook: the backend call
        except APIError as e:
            headers = {**_headers(match, request_ids()), **e.headers}
            return _respond(match, e.status, e.body(), contract, violations, self_check, hooks, headers)
        render = renderers[match.version]
        headers = _headers(match, request_ids())
        if call.waived:
            headers[VIOLATIONS_HEADER] = _waived_header(call.waived)
            log.warning(_waived_line(request, call.waived))
        if isinstance(result, list):  # a stream: (event, payload) pairs
            return _stream(match, result, render, stream_delay, contract, violations, self_check, hooks, headers)
        return _respond(match, 200, render(result), contract, violations, self_check, hooks, headers)

    app = Starlette()
    # Every request, whatever its method and path, goes to the one endpoint: the contract routes. (A route
    # pattern would not do: starlette's `{path:path}` does not match a path holding a newline, `%0A`, and
    # such requests would get its text/plain 404 instead of the API's JSON error.)
    app.router.default = request_response(endpoint)
    app.state.violations = violations
    app.state.backend = backend
    app.state.faults = hooks.names
    return app


@dataclass(frozen=True, slots=True)
class Call:
    """What an endpoint hands the backend: the operation, its path ids, query, body and version.

    `overlooked` holds the request's violations that the server let through because a fault said so; `waived`
    those a lenient mock answered anyway, leaving out the fields they point at."""

    operation_id: str
    params: dict[str, str]
    query: dict[str, Any]
    body: Any
    version: str
    overlooked: tuple[Violation, ...] = ()
    waived: tuple[Violation, ...] = ()


def _admit(
    contract: Contract, match: Match, *, check_ids: bool, api_keys: frozenset[str], hooks: FaultSet, waive: bool
) -> Call:
    """Turn the core's findings into the API's refusals, or into a Call for the backend.

    With `check_ids=False` (mock mode) ids only have to be present, not have their kind's prefix, in the path as
    in the body (`assistant_id`, `file_id`): SDK test suites send made-up ones such as "string". With `waive`,
    the errors in `_WAIVABLE` refuse nothing: the Call leaves out the query parameters and body fields they point
    at, and lists them in `waived`."""
    request = match.request
    # check_request repeats the routing violations (match.violations) and adds the request checks' own.
    found = contract.check_request(match)
    acted_on = hooks.admit(match, found)  # fault hook: the violations the server acts on
    overlooked = () if acted_on is found else tuple(v for v in found if v not in acted_on)
    codes = {v.code for v in acted_on}
    if "request.header.missing" in codes or "request.header.invalid" in codes:
        raise BadRequest(_BETA_MESSAGE.format(version=contract.default_version), code="invalid_beta")
    if match.operation is None:
        where = f"{request.method} {request.url.split('?')[0]}"
        if match.allowed:
            raise MethodNotAllowed(f"Invalid method for URL ({where})", headers={"allow": ", ".join(match.allowed)})
        raise NotFound(f"Invalid URL ({where})")
    if "request.auth.missing" in codes:
        raise Unauthorized(_NO_KEY_MESSAGE)
    key_overlooked = any(v.code == "request.auth.missing" for v in overlooked)
    if api_keys and not key_overlooked and _bearer_key(request) not in api_keys:
        raise Unauthorized(_WRONG_KEY_MESSAGE, code="invalid_api_key")
    waived: list[Violation] = []
    for violation in acted_on:
        if not check_ids and _is_id_prefix(violation):
            continue
        if waive and violation.code in _WAIVABLE and violation.severity is Severity.ERROR:
            waived.append(violation)
            continue
        if violation.code == "request.path.invalid":
            raise _wrong_id(match, violation)
        if violation.severity is Severity.ERROR:
            raise _bad_request(violation)
    if request.body:
        _refuse_what_cannot_be_kept(request.body)
    left_out = {_top_name(v.pointer) for v in waived if v.code.startswith("request.query.")}
    query: dict[str, Any] = {}
    for param in match.operation.parameters:
        if param.location == "query" and param.name in match.query and param.name not in left_out:
            raw = match.query[param.name]
            query[param.name] = (
                int(raw[-1]) if param.json_type == "integer" else raw if param.json_type == "array" else raw[-1]
            )
    body = match.json_body() if request.body else {}
    body = _without(body, [v for v in waived if v.code.startswith("request.body.")])
    return Call(
        match.operation.operation_id, dict(match.path_params), query, body, match.version, overlooked, tuple(waived)
    )


def _top_name(pointer: str) -> str:
    """The first key a JSON pointer names (`/tools/0/type` -> `tools`); "" for the whole document."""
    first = pointer.split("/", 2)[1] if pointer.startswith("/") else ""
    return first.replace("~1", "/").replace("~0", "~")


def _without(body: Any, waived: list[Violation]) -> Any:
    """The body less the top-level fields the waived violations point into. A finding about the body as a whole
    (a required key missing, not an object) leaves an empty body, from which the mock builds its defaults."""
    if not waived:
        return body
    names = {_top_name(v.pointer) for v in waived}
    if "" in names or not isinstance(body, dict):
        return {}
    return {k: v for k, v in body.items() if k not in names}


def _waived_header(waived: Sequence[Violation]) -> str:
    """A JSON list of `{"code", "pointer"}`, ASCII only (json escapes the rest), cut to whole entries that fit in
    `_HEADER_LIMIT`; the log line has them all."""
    entries: list[str] = []
    seen: set[tuple[str, str]] = set()
    size = 2
    for v in waived:
        key = (v.code, _REDACTOR.text(v.pointer))
        if key in seen:
            continue
        seen.add(key)
        entry = json.dumps({"code": key[0], "pointer": key[1]}, ensure_ascii=True)
        if size + len(entry) + 1 > _HEADER_LIMIT:
            break
        entries.append(entry)
        size += len(entry) + 1
    return "[" + ",".join(entries) + "]"


def _waived_line(request: Request, waived: Sequence[Violation]) -> str:
    """One log line, redacted: a schema message may quote the value it refuses, and a URL may hold a key."""
    path = request.url.split("?", 1)[0]
    found = "; ".join(v.described for v in waived)
    line = f"mock: {request.method} {path} breaks the contract, answered anyway: {found}"
    return _REDACTOR.text(line).replace("\r", "\\r").replace("\n", "\\n")  # one line, whatever the values hold


def _is_id_prefix(violation: Violation) -> bool:
    """An id without its kind's prefix: the contract's id patterns, in paths and on body `*_id` fields and the
    items of `*_ids` lists."""
    if violation.code == "request.path.invalid":
        return True
    if violation.code != "request.body.schema" or not (violation.schema_location or "").endswith("/pattern"):
        return False
    parts = violation.pointer.rsplit("/", 2)
    name = parts[-2] if parts[-1].isdigit() and len(parts) > 2 else parts[-1]
    return name.endswith(("_id", "_ids"))


def _refuse_what_cannot_be_kept(body: bytes) -> None:
    """A body the core let through that the server must still refuse before it stores anything.

    The core reads NaN, Infinity and lone surrogate escapes, as Python does, so as to judge such bodies; the API's
    parser refuses them, and a stored lone surrogate could never be sent back as UTF-8. Deep nesting inside a
    free-form object (function `parameters`) passes the schema, and would come back in every later list."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest(_UNPARSABLE_MESSAGE) from None
    if too_deep(parsed):
        raise BadRequest(f"The request body nests more than {MAX_DEPTH} levels of arrays and objects.")


def _bearer_key(request: Request) -> str:
    value = request.headers.get("authorization", "")
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def _wrong_id(match: Match, violation: Violation) -> BadRequest:
    """The API's answer to an id of the wrong kind, worded from the prefix the contract's pattern asks for."""
    name = violation.pointer.lstrip("/")
    value = match.path_params.get(name, "")
    assert match.operation is not None
    param = next(p for p in match.operation.parameters if p.location == "path" and p.name == name)
    pattern = str(match.document.schemas.node(param.schema_key).get("pattern", ""))
    kind = pattern.lstrip("^").rstrip("_-") or name
    return BadRequest(f"Invalid '{name}': '{value}'. Expected an ID that begins with '{kind}'.", param=name)


def _bad_request(violation: Violation) -> BadRequest:
    param = _param_name(violation.pointer)
    if violation.code == "request.body.unknown_property":
        return BadRequest(f"Unrecognized request argument supplied: {param}", param=param)
    if violation.code == "request.body.invalid_json":
        return BadRequest(_UNPARSABLE_MESSAGE)
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


def _random_request_id() -> str:
    return "req_" + secrets.token_hex(16)


def _headers(match: Match, request_id: str) -> dict[str, str]:
    headers = {"x-request-id": request_id, "openai-version": "2020-10-01"}
    if match.operation is not None and "Run" in match.operation.operation_id:
        headers["openai-poll-after-ms"] = _POLL_AFTER_MS
    return headers


def _respond(
    match: Match,
    status: int,
    payload: Any,
    contract: Contract,
    violations: list[Violation],
    self_check: bool,
    hooks: FaultSet,
    headers: dict[str, str],
) -> Response:
    reply = Reply(match.operation_id, status, payload, headers)
    reply = hooks.respond(reply)  # fault hook: the answer before it is sent
    headers = dict(reply.headers)
    if reply.payload is None:  # no body at all, not JSON null
        response = Response(status_code=reply.status, headers=headers)
    else:
        response = JSONResponse(reply.payload, status_code=reply.status, headers=headers, media_type=reply.media_type)
    if self_check and match.operation is not None:
        core = CoreResponse(reply.status, Headers(response.headers.items()), bytes(response.body))
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
    hooks: FaultSet,
    headers: dict[str, str],
) -> EventStream:
    checker = contract.stream_check(match) if self_check else None
    sent = [
        (name, payload if name == "done" else json.dumps(render(payload) if isinstance(payload, dict) else payload))
        for name, payload in events
    ]
    sent = hooks.stream(sent)  # fault hook: the events before they are sent
    label = f"{match.operation_id} {headers.get('x-request-id', '')}".strip()

    async def body() -> AsyncGenerator[tuple[str, bytes], None]:
        done = 0
        try:
            for name, data in sent:
                chunk = f"event: {name}\ndata: {data}\n\n".encode()
                if checker is not None:
                    violations.extend(checker.feed(chunk))
                yield name, chunk
                done += 1
            # Only a whole stream is judged for its ending: one the client cut short is not the server's fault.
            if checker is not None:
                violations.extend(checker.finish())
        finally:
            log.debug("stream %s: closed after %d of %d events", label, done, len(sent))

    headers = {**headers, "cache-control": "no-cache"}
    if self_check:
        head = CoreResponse(200, Headers({"content-type": "text/event-stream"}), None)
        violations.extend(contract.check_response(match, head))
    return EventStream(body(), label=label, headers=headers, delay=delay)
