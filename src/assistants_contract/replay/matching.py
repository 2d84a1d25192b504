"""Which recorded request an incoming one is: the one rule the replay server, the pytest cassette fixture and
lint's shadowed-interaction report share.

Two requests are the same when their method, path, query and body are. The host is not compared (a cassette
recorded as `https://api.openai.com` replays for a client pointed at `http://127.0.0.1:PORT/v1`), the query is
compared as a multiset of decoded pairs (order and `%20`/`+` spelling do not matter), and a JSON body is
compared as JSON: key order and whitespace do not matter, `1` and `1.0` are the same number as in JSON, and
`"stream": false` at the top is the API's default, the same as no `stream` (the SDK's `*_and_poll` helpers send
it; a recording made with `runs.create` does not). A body that is not JSON is compared byte for byte; an empty
body equals a missing one.

When nothing matches, `closest` names the recorded request that differs least and `differences` says how, in
lines a person can act on ("body /model: recorded 'gpt-4o', sent 'gpt-4'").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["RequestKey", "request_key", "differences", "closest"]

_MISSING = object()
_MAX_BODY_DIFFERENCES = 5


@dataclass(frozen=True)
class RequestKey:
    """What a request is matched on. `body` is canonical JSON text for a JSON body, else the bytes as sent."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: str | bytes

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"{self.method} {self.path}{'?' + query if query else ''}"


def request_key(method: str, url: str, body: bytes | str | None) -> RequestKey:
    """The key of a request: `url` may be absolute or a path with a query."""
    parts = urlsplit(url)
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return RequestKey(method.upper(), parts.path or "/", query, _canonical_body(body))


def _canonical_body(body: bytes | str | None) -> str | bytes:
    if not body:
        return ""
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        parsed = json.loads(data)
    except ValueError:  # not JSON (or not UTF-8): the bytes themselves
        return data
    if isinstance(parsed, dict) and parsed.get("stream") is False:
        del parsed["stream"]
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def differences(recorded: RequestKey, sent: RequestKey) -> list[str]:
    """What differs between a recorded request and a sent one, one line each; empty when they match."""
    out = []
    if recorded.method != sent.method:
        out.append(f"method: recorded {recorded.method}, sent {sent.method}")
    if recorded.path != sent.path:
        out.append(f"path: recorded {recorded.path}, sent {sent.path}")
    if recorded.query != sent.query:
        out.append(f"query: recorded {_query(recorded.query)}, sent {_query(sent.query)}")
    if recorded.body != sent.body:
        out.extend(_body_differences(recorded.body, sent.body))
    return out


def closest(candidates: Iterable[RequestKey], sent: RequestKey) -> tuple[int, list[str]] | None:
    """Index of the candidate that differs least from `sent`, with its differences (None without candidates).

    Least means: same method and path before anything else, then the fewest differing lines."""
    best: tuple[tuple[int, int, int], int, list[str]] | None = None
    for index, candidate in enumerate(candidates):
        found = differences(candidate, sent)
        rank = (candidate.method != sent.method, candidate.path != sent.path, len(found))
        if best is None or rank < best[0]:
            best = (rank, index, found)
    return None if best is None else (best[1], best[2])


def _query(pairs: tuple[tuple[str, str], ...]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs) or "(none)"


def _body_differences(recorded: str | bytes, sent: str | bytes) -> list[str]:
    if isinstance(recorded, bytes) or isinstance(sent, bytes) or not recorded or not sent:
        return [f"body: recorded {_short(recorded)}, sent {_short(sent)}"]
    found: list[str] = []
    _walk(json.loads(recorded), json.loads(sent), "", found)
    if len(found) > _MAX_BODY_DIFFERENCES:
        found[_MAX_BODY_DIFFERENCES:] = [f"body: and {len(found) - _MAX_BODY_DIFFERENCES} more differences"]
    return found


def _walk(recorded: Any, sent: Any, pointer: str, found: list[str]) -> None:
    if isinstance(recorded, dict) and isinstance(sent, dict):
        for key in sorted(recorded.keys() | sent.keys()):
            _walk(recorded.get(key, _MISSING), sent.get(key, _MISSING), f"{pointer}/{_escape(key)}", found)
    elif isinstance(recorded, list) and isinstance(sent, list) and len(recorded) == len(sent):
        for index, (a, b) in enumerate(zip(recorded, sent, strict=True)):
            _walk(a, b, f"{pointer}/{index}", found)
    elif not _same(recorded, sent):
        found.append(f"body {pointer or '/'}: recorded {_value(recorded)}, sent {_value(sent)}")


def _same(a: Any, b: Any) -> bool:
    # JSON has one number type, but True == 1 in Python: a boolean equals only a boolean.
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _value(value: Any) -> str:
    return "nothing" if value is _MISSING else _short(json.dumps(value, ensure_ascii=False))


def _short(value: str | bytes, limit: int = 80) -> str:
    if isinstance(value, bytes):
        return f"{len(value)} bytes that are not JSON"
    if not value:
        return "no body"
    return value if len(value) <= limit else value[: limit - 3] + "..."
