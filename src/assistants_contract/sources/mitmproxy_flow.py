"""mitmproxy flows in, exchange parts out. Bodies are decoded of their content-encoding; a body that does not
decode is passed on as sent, so the core reports what it sees instead of this adapter failing."""

from __future__ import annotations

import functools

from mitmproxy import http
from mitmproxy.net.http import url

from .._models import Headers, Request, Response

__all__ = ["request_from_flow", "response_from_flow"]


def request_from_flow(flow: http.HTTPFlow) -> Request:
    req = flow.request
    return Request(req.method, _pretty_url(req), Headers(req.headers.items(multi=True)), _content(req) or None)


def _pretty_url(req: http.Request) -> str:
    """`req.pretty_url` (the URL as the client addressed it, from its Host header), with the scheme and authority
    part remembered: on every flow, mitmproxy parses the same Host header again, which took a third of this
    adapter's time."""
    host_header = req.host_header
    if req.first_line_format == "authority" or not host_header or req.path == "*":
        return req.pretty_url
    return _origin(req.scheme, host_header) + req.path


@functools.lru_cache(maxsize=256)
def _origin(scheme: str, host_header: str) -> str:
    # What `Request.pretty_url` puts before the path, made the way it makes it.
    host, port = url.parse_authority(host_header, check=False)
    return url.unparse(scheme, host, port or url.default_port(scheme) or 443, "")


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
    if not message.raw_content:
        return message.raw_content  # None, or empty: nothing to decode
    try:
        return message.get_content(strict=True)
    except ValueError:
        return message.raw_content
