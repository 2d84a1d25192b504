"""schemathesis responses in, exchanges out. A schemathesis `Response` carries the request it answered (a
`requests.PreparedRequest`), so one object gives the whole exchange."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._models import Exchange, Headers, Request, Response

if TYPE_CHECKING:
    import schemathesis

__all__ = ["exchange_from_response"]


def exchange_from_response(response: schemathesis.Response) -> Exchange:
    """The exchange behind a schemathesis response. A stream schemathesis stopped reading early (it reads a
    bounded number of events) has an unknown body, so only its head is judged."""
    prepared = response.request
    body = prepared.body
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogateescape")
    request = Request(
        str(prepared.method or "GET"),
        str(prepared.url or "/"),
        Headers(prepared.headers.items()),
        body or None,
    )
    headers = Headers((name, value) for name, values in response.headers.items() for value in values)
    content = None if response.stream_cut_short else (response.content or b"")
    return Exchange(request, Response(response.status_code, headers, content))
