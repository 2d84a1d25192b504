"""HAR 1.2 files (browser devtools, mitmproxy's `save.har`, schemathesis `--report har`) in, exchanges out. Each
field read is checked for the type HAR gives it first, so a bad entry is an `UnusableFile` naming it."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .._models import Exchange, Headers, Request, Response
from .encoding import decode_body
from .errors import MALFORMED, NOT_HAR, UnusableFile, kind_of

__all__ = ["exchanges_from_har"]


class _Malformed(ValueError):
    pass


def exchanges_from_har(data: Any, source: str) -> list[Exchange]:
    """The exchanges of a loaded HAR document. Raises `UnusableFile` (`NOT_HAR`, `MALFORMED`)."""
    log = data.get("log") if type(data) is dict else None
    entries = log.get("entries") if type(log) is dict else None
    if type(entries) is not list:
        raise UnusableFile(source, NOT_HAR, "not a HAR file (no log.entries list)")
    exchanges = []
    for index, entry in enumerate(entries):
        try:
            exchanges.append(_exchange(entry, source, index))
        except _Malformed as e:
            raise UnusableFile(source, MALFORMED, f"entry {index} is malformed: {e}") from None
        except (ValueError, binascii.Error) as e:
            raise UnusableFile(source, MALFORMED, f"entry {index} is malformed: {type(e).__name__}: {e}") from e
    return exchanges


def _field(mapping: dict, key: str, types: type | tuple[type, ...], where: str, wanted: str = "text") -> Any:
    value = mapping.get(key)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
        raise _Malformed(f"{where}.{key} is {kind_of(value)}, not {wanted}")
    return value


def _tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _mapping(value: Any, where: str) -> dict:
    if type(value) is not dict:
        raise _Malformed(f"{where} is {kind_of(value)}, not an object")
    return value


def _headers(items: Any, where: str) -> Headers:
    if items is None:
        return Headers(())
    if type(items) is not list:
        raise _Malformed(f"{where}.headers is {kind_of(items)}, not a list")
    pairs = []
    for i, item in enumerate(items):
        item = _mapping(item, f"{where}.headers[{i}]")
        name = _field(item, "name", str, f"{where}.headers[{i}]")
        value = _field(item, "value", str, f"{where}.headers[{i}]")
        if not name.startswith(":"):
            pairs.append((name, value))
    return Headers(pairs)


def _exchange(entry: Any, source: str, index: int) -> Exchange:
    entry = _mapping(entry, "entry")
    if "request" not in entry:
        raise _Malformed("no request")
    req = _mapping(entry["request"], "request")
    post = _mapping(req.get("postData") or {}, "request.postData")
    req_body = _field(post, "text", (str, type(None)), "request.postData")
    method = _field(req, "method", str, "request")
    url = _field(req, "url", str, "request")
    request = Request(method, url, _headers(req.get("headers"), "request"), req_body.encode() if req_body else None)
    resp = _mapping(entry.get("response") or {}, "response")
    status = _field(resp, "status", (int, float, str, type(None)), "response", "a number")
    try:
        status = int(status or 0)
    except (ValueError, OverflowError):
        raise _Malformed(f"response.status is not a number: {str(status)[:40]!r}") from None
    if status <= 0:  # HAR writes 0 (or -1) when no response arrived
        return Exchange(request, None, source, index)
    headers = _headers(resp.get("headers"), "response")
    content = _mapping(resp.get("content") or {}, "response.content")
    text = _field(content, "text", (str, type(None)), "response.content")
    body: bytes | None = None
    if text is not None:
        body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")
        try:
            body = decode_body(body, headers.get("content-encoding"))
        except ValueError:
            pass  # HAR writers usually store the decoded text while keeping the header
    return Exchange(request, Response(status, headers, body), source, index)
