"""mitmproxy flows in, exchange parts out. Bodies are decoded of their content-encoding; a body that does not
decode is passed on as sent, so the core reports what it sees instead of this adapter failing."""

from __future__ import annotations

from mitmproxy import http

from .._models import Headers, Request, Response

__all__ = ["request_from_flow", "response_from_flow"]


def request_from_flow(flow: http.HTTPFlow) -> Request:
    req = flow.request
    return Request(req.method, req.pretty_url, Headers(req.headers.items(multi=True)), _content(req) or None)


def response_from_flow(flow: http.HTTPFlow, body: bytes | None = None) -> Response:
    """The flow's response. For a streamed response mitmproxy keeps no body: pass the bytes collected on the
    way (already as the application sent them, since streaming passes decoded chunks through untouched)."""
    resp = flow.response
    assert resp is not None
    headers = Headers(resp.headers.items(multi=True))
    if body is None:
        body = _content(resp)
    return Response(resp.status_code, headers, body)


def _content(message: http.Message) -> bytes | None:
    if message.raw_content is None:
        return None
    try:
        return message.get_content(strict=True)
    except ValueError:
        return message.raw_content
