"""The checks: small functions, one concern each, registered in order.

A request check takes a `Match` (the request, its version's document and its operation); a response check
takes the `Match` and the `Response`. Each yields `Violation`s and never raises for anything the traffic
contains. Adding a check is adding a function with the decorator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .._models import Request, Response, Side, Violation
from ._json import MAX_DEPTH, TooDeep, loads, too_deep
from .codes import CODES
from .document import STREAM_MEDIA_TYPE, ContractDocument, Operation, Parameter
from .schemas import SchemaError
from .wording import shown

__all__ = ["Match", "REQUEST_CHECKS", "RESPONSE_CHECKS", "violation", "body_violations"]

_UNPARSED = object()
# Python's int() and float() also take "1_00" and non-ASCII digits; a query string's numbers are plain ASCII.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_PARAMETER_CODES = {
    "path": "request.path.invalid",
    "query": "request.query.invalid",
    "header": "request.header.invalid",
}


@dataclass(slots=True)
class Match:
    """A request placed in the contract: which version's document and which operation it belongs to."""

    request: Request
    document: ContractDocument
    operation: Operation | None
    path_params: dict[str, str]
    violations: list[Violation] = field(default_factory=list)  # from routing and version selection
    allowed: tuple[str, ...] = ()  # the path's documented methods, when the path is known but the method is not
    _query: dict[str, list[str]] | None = None
    _body: Any = _UNPARSED

    @property
    def version(self) -> str:
        return self.document.version

    @property
    def operation_id(self) -> str | None:
        return self.operation.operation_id if self.operation else None

    @property
    def query(self) -> dict[str, list[str]]:
        if self._query is None:
            parsed: dict[str, list[str]] = {}
            if "?" in self.request.url:  # most requests have no query: not worth splitting the URL for
                for name, value in parse_qsl(urlsplit(self.request.url).query, keep_blank_values=True):
                    parsed.setdefault(name, []).append(value)
            self._query = parsed
        return self._query

    def json_body(self) -> Any:
        """The request body parsed as JSON; raises ValueError if it is not JSON."""
        if self._body is _UNPARSED:
            self._body = loads(self.request.body or b"")
        return self._body


RequestCheck = Callable[[Match], Iterator[Violation]]
ResponseCheck = Callable[[Match, Response], Iterator[Violation]]
REQUEST_CHECKS: dict[str, RequestCheck] = {}
RESPONSE_CHECKS: dict[str, ResponseCheck] = {}


def request_check(func: RequestCheck) -> RequestCheck:
    if func.__name__ in REQUEST_CHECKS:
        raise ValueError(f"a request check named {func.__name__!r} is already registered")
    REQUEST_CHECKS[func.__name__] = func
    return func


def response_check(func: ResponseCheck) -> ResponseCheck:
    if func.__name__ in RESPONSE_CHECKS:
        raise ValueError(f"a response check named {func.__name__!r} is already registered")
    RESPONSE_CHECKS[func.__name__] = func
    return func


def violation(
    code: str,
    message: str,
    side: Side,
    match: Match | None = None,
    pointer: str = "",
    schema_location: str | None = None,
) -> Violation:
    return Violation(
        code=code,
        message=message,
        side=side,
        severity=CODES[code][0],
        operation_id=match.operation_id if match else None,
        pointer=pointer,
        schema_location=schema_location,
    )


def body_violations(
    match: Match, side: Side, key: str, instance: Any, *, area: str, prefix: str = ""
) -> Iterator[Violation]:
    """Turn schema errors of `instance` against `key` into violations (requests closed, responses open).
    `area` names the codes: `request.body`, `response.body` or `stream.event` + `.schema` / `.unknown_property`."""
    schema_code, unknown_code = f"{area}.schema", f"{area}.unknown_property"
    document = match.document
    errors: list[SchemaError] = document.schemas.check(key, instance, closed=side is Side.REQUEST)
    for error in errors:
        location = document.location("#" + error.schema_pointer)
        pointer = prefix + error.pointer
        if error.unknown_key:
            name = error.key
            # No pointer in the message: every report prints it beside the message.
            if name is None:
                message = f"holds a key the contract does not know ({error.message})"
            elif side is Side.REQUEST:
                message = (
                    f"unknown argument '{name}'; the API answers 400 Unrecognized request argument supplied: {name}"
                )
            else:
                message = f"key '{name}' is not in the contract"
            yield violation(unknown_code, message, side, match, pointer, location)
        else:
            yield violation(schema_code, error.message, side, match, pointer, location)


# --- request checks ------------------------------------------------------------------------------------------


@request_check
def bearer_auth(match: Match) -> Iterator[Violation]:
    value = match.request.headers.get("authorization", "")
    if not value.lower().startswith("bearer ") or not value[7:].strip():
        yield violation(
            "request.auth.missing",
            "no 'Authorization: Bearer <key>' header; the API answers 401 without one",
            Side.REQUEST,
            match,
            "/authorization",
        )


@request_check
def parameters(match: Match) -> Iterator[Violation]:
    operation = match.operation
    assert operation is not None
    for param in operation.parameters:
        if param.location == "header" and param.name == "openai-beta":
            continue  # version selection checks this header (it chose the document)
        raw = _raw_parameter(match, param)
        code = _PARAMETER_CODES[param.location]
        pointer = "/" + param.name
        if raw is None:
            if param.required:
                missing = "request.header.missing" if param.location == "header" else code
                yield violation(
                    missing,
                    f"required {param.location} parameter '{param.name}' is missing",
                    Side.REQUEST,
                    match,
                    pointer,
                )
            continue
        value, problem = _convert(param, raw)
        if problem:  # the code names the place (query, path, header) and the pointer names the parameter
            yield violation(code, problem, Side.REQUEST, match, pointer)
            continue
        for error in match.document.schemas.check(param.schema_key, value, closed=True):
            location = match.document.location("#" + error.schema_pointer)
            yield violation(code, error.message, Side.REQUEST, match, pointer, location)


@request_check
def unknown_query(match: Match) -> Iterator[Violation]:
    operation = match.operation
    assert operation is not None
    if not match.query:
        return
    known = {p.name for p in operation.parameters if p.location == "query"}
    for name in match.query:
        if name not in known and name not in ("api-key", "api_key"):
            yield violation(
                "request.query.unknown",
                f"query parameter '{name}' is not documented for {operation.operation_id}"
                + (f" (documented: {', '.join(sorted(known))})" if known else ""),
                Side.REQUEST,
                match,
                "/" + name,
            )


@request_check
def request_body(match: Match) -> Iterator[Violation]:
    operation = match.operation
    assert operation is not None
    body = match.request.body
    if not body:
        if operation.body_required:
            yield violation(
                "request.body.missing", f"{operation.operation_id} requires a JSON body", Side.REQUEST, match
            )
        return
    if not operation.body_schemas:
        return  # a body the operation ignores; the API ignores it too
    media = match.request.headers.media_type()
    key = operation.body_schemas.get(media or "")
    if key is None:
        yield violation(
            "request.content_type",
            f"body sent as {media or 'no content type'}; expected {', '.join(operation.body_schemas)}",
            Side.REQUEST,
            match,
            "/content-type",
        )
        key = next(iter(operation.body_schemas.values()))
    yield from _json_body_violations(match, Side.REQUEST, key, match.json_body)


# --- response checks -----------------------------------------------------------------------------------------


@response_check
def status_documented(match: Match, response: Response) -> Iterator[Violation]:
    operation = match.operation
    assert operation is not None
    if operation.response_media(response.status) is None:
        yield violation(
            "response.status.undocumented",
            f"status {response.status} is not documented for {operation.operation_id}"
            f" (documented: {', '.join(operation.documented_statuses())})",
            Side.RESPONSE,
            match,
            "/status",
        )


@response_check
def content_type(match: Match, response: Response) -> Iterator[Violation]:
    media_types = match.operation.response_media(response.status) if match.operation else None
    if not media_types:
        return  # an undocumented status (reported by status_documented) or a response without content
    media = response.headers.media_type()
    if media is None and not response.body:
        return
    if media not in media_types:
        yield violation(
            "response.content_type",
            f"response sent as {media or 'no content type'};"
            f" documented for {response.status}: {', '.join(media_types)}",
            Side.RESPONSE,
            match,
            "/content-type",
        )
    elif media == STREAM_MEDIA_TYPE and not _asked_for_stream(match):
        yield violation(
            "response.content_type",
            'an event stream answered a request that did not ask for one (no "stream": true)',
            Side.RESPONSE,
            match,
            "/content-type",
        )
    elif media != STREAM_MEDIA_TYPE and STREAM_MEDIA_TYPE in media_types and _asked_for_stream(match):
        yield violation(
            "response.content_type",
            f'the request asked for a stream ("stream": true) but the response is {media}',
            Side.RESPONSE,
            match,
            "/content-type",
        )


@response_check
def response_headers(match: Match, response: Response) -> Iterator[Violation]:
    operation = match.operation
    assert operation is not None
    for name in operation.response_headers.get(str(response.status), ()):
        if name not in response.headers:
            yield violation(
                "response.header.missing", f"response header '{name}' is required", Side.RESPONSE, match, "/" + name
            )


@response_check
def response_body(match: Match, response: Response) -> Iterator[Violation]:
    media_types = match.operation.response_media(response.status) if match.operation else None
    if not media_types or response.body is None:
        return  # None: the body is not known (cut off, or a stream checked on its own), only the head is
    media = response.headers.media_type()
    if media == STREAM_MEDIA_TYPE:
        return  # streams are checked event by event (see StreamCheck)
    key = media_types.get(media or "")
    if key is None:
        return  # an undocumented media type is content_type's finding; its body has no schema to meet
    yield from _json_body_violations(match, Side.RESPONSE, key, lambda: loads(response.body or b""))


# --- helpers -------------------------------------------------------------------------------------------------


def _json_body_violations(match: Match, side: Side, key: str, parse: Callable[[], Any]) -> Iterator[Violation]:
    area = f"{side.value}.body"
    deep = f"{side.value} body nests more than {MAX_DEPTH} levels of arrays and objects; it was not checked further"
    try:
        instance = parse()
    except TooDeep:
        yield violation(f"{area}.too_deep", deep, side, match)
        return
    except ValueError as e:
        yield violation(f"{area}.invalid_json", f"{side.value} body is not JSON: {e}", side, match)
        return
    try:
        found = list(body_violations(match, side, key, instance, area=area))
    except UnicodeEncodeError:
        # A lone surrogate escape (`"\\udfff"`) parses, but is no character: the validator cannot take it as a key.
        message = f"{side.value} body is not JSON a parser will take: it holds a lone surrogate escape"
        found = [violation(f"{area}.invalid_json", message, side, match)]
    except (ValueError, RecursionError):
        # The schema validator gives up on deep nesting (jsonschema_rs at 256 levels). Measured only then, so a
        # body of ordinary depth pays nothing for the check.
        if not too_deep(instance):
            raise
        found = [violation(f"{area}.too_deep", deep, side, match)]
    yield from found


def _asked_for_stream(match: Match) -> bool:
    try:
        body = match.json_body()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("stream") is True


def _raw_parameter(match: Match, param: Parameter) -> str | list[str] | None:
    if param.location == "path":
        return match.path_params.get(param.name)
    if param.location == "header":
        return match.request.headers.get(param.name)
    values = match.query.get(param.name)
    if values is None:
        return None
    return values if param.json_type == "array" else values[-1]


def _scalar(kind: str | None, raw: str) -> tuple[Any, str | None]:
    if kind == "integer":
        if _INTEGER.fullmatch(raw):
            return int(raw), None
        return raw, f"expected an integer, got {shown(raw)}"
    if kind == "number":
        if _NUMBER.fullmatch(raw):
            return float(raw), None
        return raw, f"expected a number, got {shown(raw)}"
    if kind == "boolean":
        if raw in ("true", "false"):
            return raw == "true", None
        return raw, f"expected true or false, got {shown(raw)}"
    return raw, None


def _convert(param: Parameter, raw: str | list[str]) -> tuple[Any, str | None]:
    """Query and path values arrive as text; turn them into the declared type before the schema sees them."""
    if param.json_type == "array":
        values = raw if isinstance(raw, list) else [raw]
        converted = []
        for item in values:
            value, problem = _scalar(param.item_type, item)
            if problem:
                return None, problem
            converted.append(value)
        return converted, None
    return _scalar(param.json_type, raw if isinstance(raw, str) else raw[-1])
