"""HAR 1.2 files (browser devtools, mitmproxy's `save.har`, schemathesis `--report har`) in, exchanges out."""

from __future__ import annotations

import base64
from typing import Any

from .._exceptions import SourceError
from .._models import Exchange, Headers, Request, Response
from .encoding import decode_body

__all__ = ["exchanges_from_har"]


def exchanges_from_har(data: Any, source: str) -> list[Exchange]:
    try:
        entries = data["log"]["entries"]
    except (KeyError, TypeError):
        raise SourceError(f"{source}: not a HAR file (no log.entries)") from None
    exchanges = []
    for index, entry in enumerate(entries):
        try:
            exchanges.append(_exchange(entry, source, index))
        except (KeyError, TypeError, ValueError) as e:
            raise SourceError(f"{source}: entry {index} is malformed: {type(e).__name__}: {e}") from e
    return exchanges


def _headers(items: list[dict]) -> Headers:
    return Headers((h["name"], h["value"]) for h in items or [] if not h["name"].startswith(":"))


def _exchange(entry: dict, source: str, index: int) -> Exchange:
    req = entry["request"]
    post = req.get("postData") or {}
    req_body = post.get("text")
    request = Request(req["method"], req["url"], _headers(req.get("headers")), req_body.encode() if req_body else None)
    resp = entry.get("response") or {}
    status = int(resp.get("status") or 0)
    if status <= 0:  # HAR writes 0 (or -1) when no response arrived
        return Exchange(request, None, source, index)
    headers = _headers(resp.get("headers"))
    content = resp.get("content") or {}
    text = content.get("text")
    body: bytes | None = None
    if text is not None:
        body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")
        try:
            body = decode_body(body, headers.get("content-encoding"))
        except ValueError:
            pass  # HAR writers usually store the decoded text while keeping the header
    return Exchange(request, Response(status, headers, body), source, index)
