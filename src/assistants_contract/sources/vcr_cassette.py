"""vcrpy cassettes (YAML or JSON, format version 1) in, exchanges out.

The document is loaded safely and within `limits` (`safe_load`), each interaction's fields are checked for the
types vcrpy writes, and then vcrpy's own `Request` and body conversion build what vcrpy would replay: so a good
cassette reads exactly as vcrpy reads it, and a bad one is an `UnusableFile` saying which field is wrong.
"""

from __future__ import annotations

import datetime
from typing import Any

from .._models import Exchange, Headers, Request, Response
from .encoding import decode_body
from .errors import MALFORMED, NOT_CASSETTE, UnusableFile, kind_of
from .safe_load import load_json, load_yaml

__all__ = ["cassette_interactions", "exchange_from_record", "exchange_from_vcr", "exchanges_from_cassette_text"]

_REQUEST_KEYS = ("body", "headers", "method", "uri")  # vcrpy's Request(**request) takes these and no other
_SCALARS = (str, int, float, bool, type(None), bytes, datetime.date)  # what a header value may be, as vcrpy str()s


def exchanges_from_cassette_text(text: str, source: str) -> list[Exchange]:
    """Every exchange of a cassette's text. Raises `UnusableFile` naming the first thing that is wrong."""
    data = load_json(text, source) if text.lstrip().startswith("{") else load_yaml(text, source)
    return [exchange_from_record(record, source, i) for i, record in enumerate(cassette_interactions(data, source))]


def cassette_interactions(data: Any, source: str) -> list[Any]:
    """The `interactions` list of a loaded cassette document. Raises `UnusableFile` (`NOT_CASSETTE`)."""
    if type(data) is list and data and type(data[0]) is dict and "request" in data[0]:
        raise UnusableFile(source, NOT_CASSETTE, "not a vcrpy cassette: written by a vcrpy before 1.0; record it again")
    if type(data) is not dict:
        raise UnusableFile(source, NOT_CASSETTE, f"not a vcrpy cassette: {kind_of(data)}, not a mapping")
    if "interactions" not in data:
        raise UnusableFile(source, NOT_CASSETTE, "not a vcrpy cassette: missing key 'interactions'")
    interactions = data["interactions"]
    if type(interactions) is not list:
        raise UnusableFile(source, NOT_CASSETTE, f"not a vcrpy cassette: interactions is {kind_of(interactions)}")
    return interactions


def exchange_from_record(record: Any, source: str, index: int) -> Exchange:
    """One loaded interaction (`{"request": ..., "response": ...}`) as the exchange vcrpy would replay. Raises
    `UnusableFile` (`MALFORMED`) for a field that is missing or not of the type vcrpy writes."""
    if type(record) is not dict or "request" not in record or "response" not in record:
        # vcrpy's own reading fails on such an item before any interaction is made: not a cassette at all
        said = (
            kind_of(record)
            if type(record) is not dict
            else "a mapping without " + ("request" if "request" not in record else "response")
        )
        raise UnusableFile(source, NOT_CASSETTE, f"not a vcrpy cassette: interaction {index} is {said}")
    # vcrpy is imported here, not at the top: importing it loads every HTTP library it can patch (about half a
    # second), and the proxy's own cassettes are read without it (`cassette_lines`).
    from vcr.request import Request as VcrRequest
    from vcr.serializers import compat

    try:
        request, response = _checked(record)
        return exchange_from_vcr(VcrRequest(**request), compat.convert_to_bytes(response), source, index)
    except _Malformed as e:
        raise UnusableFile(source, MALFORMED, f"interaction {index} is malformed: {e}") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
        raise UnusableFile(source, MALFORMED, f"interaction {index} is malformed: {_reason(e)}") from e


def exchange_from_vcr(request: Any, response: dict, source: str, index: int) -> Exchange:
    """One interaction as vcrpy's deserializer gives it (a `vcr.request.Request` and the response dict).

    Raises KeyError, TypeError, ValueError or AttributeError for one that is malformed."""
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    req_headers = Headers((name, _join(value)) for name, value in request.headers.items())
    resp_headers = Headers((name, _join(value)) for name, value in (response.get("headers") or {}).items())
    resp_body = (response.get("body") or {}).get("string")
    if isinstance(resp_body, str):
        resp_body = resp_body.encode("utf-8")
    if resp_body:
        try:
            resp_body = decode_body(resp_body, resp_headers.get("content-encoding"))
        except ValueError:
            pass  # vcrpy's decode_compressed_response may have decoded it while keeping the header
    return Exchange(
        request=Request(request.method, request.uri, req_headers, body or None),
        response=Response(int(response["status"]["code"]), resp_headers, resp_body),
        source=source,
        index=index,
    )


class _Malformed(ValueError):
    pass


def _checked(record: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request and response mappings of an interaction, once every field vcrpy and the core read has the type
    vcrpy writes; raises `_Malformed` saying which does not."""
    if type(record) is not dict:
        raise _Malformed(f"the interaction is {kind_of(record)}, not a mapping")
    for part in ("request", "response"):
        if part not in record:
            raise _Malformed(f"no {part}")
        if type(record[part]) is not dict:
            raise _Malformed(f"{part} is {kind_of(record[part])}, not a mapping")
    request, response = record["request"], record["response"]
    for key in _REQUEST_KEYS:
        if key not in request:
            raise _Malformed(f"request has no {key}")
    for key in request:
        if key not in _REQUEST_KEYS:
            raise _Malformed(f"request has an unknown key {_shown(key)}")
    for key in ("method", "uri"):
        if type(request[key]) is not str:
            raise _Malformed(f"request {key} is {kind_of(request[key])}, not text")
    if not isinstance(request["body"], str | bytes | None):
        raise _Malformed(f"request body is {kind_of(request['body'])}, not text")
    _check_headers(request["headers"], "request", first_only=True)
    status = response.get("status")
    if type(status) is not dict or "code" not in status:
        raise _Malformed("response has no status code")
    code = status["code"]
    if type(code) not in (int, float, str):
        raise _Malformed(f"response status code is {kind_of(code)}, not a number")
    try:
        int(code)
    except (ValueError, OverflowError):
        raise _Malformed(f"response status code {_shown(code)} is not a number") from None
    _check_headers(response.get("headers"), "response", first_only=False)
    body = response.get("body")
    if body is not None:
        if type(body) is not dict:
            raise _Malformed(f"response body is {kind_of(body)}, not a mapping with string")
        if not isinstance(body.get("string"), str | bytes | None):
            raise _Malformed(f"response body string is {kind_of(body.get('string'))}, not text")
    return request, response


def _check_headers(headers: Any, side: str, *, first_only: bool) -> None:
    """Headers as vcrpy writes them: a mapping of names to lists of values (or one value). A request keeps only
    the first value of each (vcrpy's `HeadersDict`), so only that one must be a single value."""
    if headers is None:
        return
    if type(headers) is not dict:
        raise _Malformed(f"{side} headers are {kind_of(headers)}, not a mapping")
    for name, values in headers.items():
        if type(name) is not str:
            raise _Malformed(f"a {side} header name is {kind_of(name)}, not text")
        if type(values) is list or type(values) is tuple:
            if first_only and not values:
                raise _Malformed(f"{side} header {_shown(name)} has no value")
            values = values[:1] if first_only else values
        else:
            values = [values]
        for value in values:
            if not isinstance(value, _SCALARS):
                raise _Malformed(f"{side} header {_shown(name)} holds {kind_of(value)}, not text")


def _shown(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _reason(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, KeyError):
        return f"missing key {text}"
    return text
