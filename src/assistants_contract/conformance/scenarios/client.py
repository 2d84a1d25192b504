"""The scenarios' HTTP client: plain requests to the server under test, each one kept as an exchange.

Every answer is placed in the contract (which operation it was) and kept in `history`, so the core can judge the
scenarios' traffic exactly as it judges schemathesis' (`assistants_contract` check, coverage). Bodies are parsed
leniently: a scenario asserts on what it got, and a body that is not JSON is `None`, not a crash.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..._models import Exchange, Headers, Request, Response
from ...contract import Contract
from ...contract.sse import SSEEvent, SSEParser
from ...record.redact import Redactor

__all__ = ["Api", "Reply", "curl"]


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: status, parsed JSON body (None when not JSON), the events of a stream, the exchange."""

    status: int
    body: Any
    headers: Headers
    exchange: Exchange
    operation_id: str | None
    events: tuple[SSEEvent, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        """`body[key]` when the body is an object, else `default`: scenarios read fields without guarding."""
        return self.body.get(key, default) if isinstance(self.body, dict) else default

    def event_data(self) -> Iterator[tuple[str, Any]]:
        """`(event name, parsed data)` for each event; data that is not JSON is passed as its text."""
        for event in self.events:
            try:
                yield event.event, json.loads(event.data)
            except ValueError:
                yield event.event, event.data


@dataclass
class Api:
    """Requests in one API version against `base_url` (as an SDK's base_url: `http://host:port/v1`)."""

    base_url: str
    version: str
    api_key: str
    contract: Contract
    timeout: float = 10.0
    history: list[Reply] = field(default_factory=list)
    _client: httpx.Client | None = None

    def __enter__(self) -> Api:
        self._client = httpx.Client(timeout=self.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def headers(self, *, omit: tuple[str, ...] = ()) -> dict[str, str]:
        """The headers every request carries (beta header, bearer key), less the ones named in `omit`."""
        headers = {"OpenAI-Beta": f"assistants={self.version}", "Authorization": f"Bearer {self.api_key}"}
        return {k: v for k, v in headers.items() if k.lower() not in {o.lower() for o in omit}}

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Reply:
        """One request. `path` is relative to the base URL (`/threads/thread_1/runs`). `headers` replace the
        default ones entirely when given (to leave the beta header or the key out)."""
        assert self._client is not None, "use Api as a context manager"
        sent_headers = dict(headers) if headers is not None else self.headers()
        body = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        request = self._client.build_request(
            method, self.base_url + path, params=params, headers=sent_headers, content=body
        )
        wants_stream = isinstance(json_body, dict) and json_body.get("stream") is True
        response = self._client.send(request, stream=wants_stream)
        try:
            raw = b"".join(response.iter_bytes()) if wants_stream else response.content
        finally:
            response.close()
        return self._reply(request, response, raw)

    def get(self, path: str, **params: Any) -> Reply:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: Any = None) -> Reply:
        return self.call("POST", path, json_body=body if body is not None else {})

    def delete(self, path: str) -> Reply:
        return self.call("DELETE", path)

    def _reply(self, request: httpx.Request, response: httpx.Response, raw: bytes) -> Reply:
        exchange = Exchange(
            Request(request.method, str(request.url), Headers(request.headers.multi_items()), request.content or None),
            Response(response.status_code, Headers(response.headers.multi_items()), raw),
        )
        operation_id = self.contract.match(exchange.request).operation_id
        events: tuple[SSEEvent, ...] = ()
        body: Any = None
        media = exchange.response.headers.media_type() if exchange.response else None
        if media == "text/event-stream":
            parser = SSEParser()
            events = tuple(parser.feed(raw) + parser.finish())
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
        reply = Reply(response.status_code, body, exchange.response.headers, exchange, operation_id, events)
        self.history.append(reply)
        return reply


def curl(exchange: Exchange, redactor: Redactor) -> str:
    """The request as a `curl` command a person can paste, with secrets redacted."""
    request = redactor.exchange(exchange).request
    parts = ["curl", "-X", request.method]
    for name, value in request.headers.items():
        if name.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent", "accept"):
            continue
        parts += ["-H", f"{name}: {value}"]
    if request.body:
        parts += ["-d", request.body.decode("utf-8", "replace")]
    parts.append(request.url)
    return shlex.join(parts)
