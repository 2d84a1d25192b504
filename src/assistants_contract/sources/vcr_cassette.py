"""vcrpy cassettes (YAML or JSON, format version 1) in, exchanges out. Read with vcrpy's own deserializer,
so whatever vcrpy replays, this reads the same way."""

from __future__ import annotations

from typing import Any

from vcr import serialize
from vcr.serializers import jsonserializer, yamlserializer

from .._exceptions import SourceError
from .._models import Exchange, Headers, Request, Response
from .encoding import decode_body

__all__ = ["exchange_from_vcr", "exchanges_from_cassette_text"]


def exchanges_from_cassette_text(text: str, source: str) -> list[Exchange]:
    serializer = jsonserializer if text.lstrip().startswith("{") else yamlserializer
    try:
        loaded = serialize.deserialize(text, serializer)
    except Exception as e:  # vcrpy raises ValueError, KeyError, TypeError or a YAML/JSON error for bad files
        raise SourceError(f"{source}: not a vcrpy cassette: {_reason(e)}") from e
    requests, responses = loaded[0], loaded[1]
    exchanges = []
    for index, (request, response) in enumerate(zip(requests, responses, strict=True)):
        try:
            exchanges.append(exchange_from_vcr(request, response, source, index))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise SourceError(f"{source}: interaction {index} is malformed: {_reason(e)}") from e
    return exchanges


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


def _join(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _reason(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, KeyError):
        return f"missing key {text}"
    return text
