"""The proxy's own cassettes read a line at a time: the same exchanges as vcrpy's reading, without loading the file.

A cassette the proxy writes (`record/cassette.py`) is `version: 1`, `interactions:`, then one interaction a line as
a YAML flow mapping (`- {"request": ...}`) of JSON-compatible double-quoted strings in plain ASCII, and perhaps
lines that are YAML comments (`# {...}`, a batch not yet committed). Such a line is JSON once the one escape YAML
has and JSON lacks is turned into JSON: `\\UXXXXXXXX`, which the proxy writes for a character beyond the BMP. So
each line is parsed with orjson, and the result is taken only where it is certain to be what YAML reads:

- the line is printable ASCII (no tab, no carriage return, no control character, no DEL), so no YAML line break,
  tab rule or non-printable character can be in play;
- it has no surrogate escape (`\\ud83d`), which JSON pairs up and libyaml refuses, and no gap of 16 spaces before
  a colon;
- the interaction has the shape the proxy writes: `request` with `body`, `headers`, `method`, `uri`; `response`
  with `status` (an integer code), `headers`, `body.string`; headers lists of strings; keys of at most 100
  characters (so no key reaches YAML's 1024-character limit for an implicit key, however it is escaped); nothing
  parsed as a float where it counts (YAML reads `1e5` as a string).

Any other interaction line (a `!!binary` body, a non-ASCII or tabbed line, a trailing comment, another shape) is
parsed alone as YAML, as the one item of a cassette, the way `vcr_cassette` reads a file (safely, within `limits`):
a flow mapping on one line reads the same alone as in its file. Anything else, or any error, means the file is not
one this module understands: `NotLineCassette` is raised, and the caller reads the whole file as vcrpy would again,
which decides what it holds (or why it cannot be read). So a file read here gives exactly the exchanges, and the
errors, that `vcr_cassette.exchanges_from_cassette_text` gives; tests hold the two to that.

The lines are independent, so a file can also be read in pieces (`piece_bounds`, `exchanges_between`), in parallel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .._models import Exchange, Headers, Request, Response
from .encoding import decode_body
from .limits import MAX_LINE_BYTES, MAX_NESTING
from .safe_load import load_yaml
from .vcr_cassette import cassette_interactions, exchange_from_record

__all__ = [
    "HEADER",
    "NotLineCassette",
    "exchange_at",
    "exchanges_between",
    "exchanges_from_lines",
    "is_line_cassette",
    "piece_bounds",
]

HEADER = b"version: 1\ninteractions:\n"

_PRINTABLE = bytes(range(0x20, 0x7F))
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONG_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\U([0-9a-fA-F]{8})")  # an escaping backslash, not an escaped one
_GAP = b" " * 16
_WIDE_GAP = re.compile(rb'" {16,}:')  # between a key and its colon: YAML counts it into the key's length
_LONGEST_KEY = 100  # written as \UXXXXXXXX escapes, 1002 characters: under YAML's 1024 for an implicit key
_DEEPEST = MAX_NESTING - 4  # below a verdict's mapping, the fourth level of the file (file, list, interaction)
_TOP_KEYS = frozenset({"request", "response", "assistants_contract"})
_REQUEST_KEYS = frozenset({"body", "headers", "method", "uri"})
_RESPONSE_KEYS = frozenset({"status", "headers", "body"})
_STATUS_KEYS = frozenset({"code", "message"})
_BODY_KEYS = frozenset({"string"})
_VERDICT_KEYS = frozenset({"version", "operation_id", "violations"})
_YAML_HEADER = HEADER.decode("ascii")
_READ_BUFFER = 1 << 16  # the default 8 KB holds a few lines: a read from the OS every few interactions


class NotLineCassette(ValueError):
    """The file holds something this reader does not take on: read it through vcrpy instead."""


def is_line_cassette(path: Path) -> bool:
    """Whether the file starts as the proxy writes a cassette."""
    try:
        with open(path, "rb") as f:
            return f.read(len(HEADER)) == HEADER
    except OSError:
        return False


def exchanges_from_lines(path: Path, source: str | None = None) -> Iterator[Exchange]:
    """The exchanges of a cassette in the proxy's format, one line at a time. Raises `NotLineCassette`, possibly
    after some exchanges, when the file is not (only) that; the caller then starts again through vcrpy."""
    count = 0
    for _, exchange in exchanges_between(path, source):
        yield exchange
        count += 1
    if count == 0:
        raise NotLineCassette(f"{source or path}: no interactions")  # vcrpy refuses an empty list: let it say so


def exchanges_between(
    path: Path, source: str | None = None, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, Exchange]]:
    """The exchanges of the lines that start at `start` (0, or the start of a line) or later and before `end`, each
    with the offset of its line. From 0, the file must start with `HEADER`. Indexes count from the first exchange
    after `start`. A piece of a file may hold no interaction; `exchanges_from_lines` refuses a whole file without."""
    source = str(path) if source is None else source
    index = 0
    try:
        with open(path, "rb", buffering=_READ_BUFFER) as f:
            offset = start
            if start == 0:
                if f.read(len(HEADER)) != HEADER:
                    raise NotLineCassette(f"{source}: does not start as the proxy's cassettes do")
                offset = len(HEADER)
            else:
                f.seek(start)
            while line := f.readline(MAX_LINE_BYTES + 1):
                if end is not None and offset >= end:
                    break
                if len(line) > MAX_LINE_BYTES:
                    raise NotLineCassette(f"{source}: a line longer than {MAX_LINE_BYTES} bytes")
                if line.startswith(b"- {"):
                    yield offset, _exchange_of_line(line, source, index)
                    index += 1
                elif not line.startswith(b"#") and line.rstrip(b"\n").strip(b" "):
                    raise NotLineCassette(f"{source}: a line that is not one interaction")
                elif line.translate(None, _PRINTABLE) not in (b"", b"\n"):
                    raise NotLineCassette(f"{source}: a comment that is not printable ASCII")
                offset += len(line)
    except NotLineCassette:
        raise
    except Exception as e:  # an unreadable file, a bad line: vcrpy is the judge of what it means
        raise NotLineCassette(f"{source}: interaction {index}: {e}") from e


def exchange_at(path: Path, offset: int, source: str, index: int) -> Exchange:
    """The exchange of the interaction line at `offset`, as `exchanges_between` gave its offset."""
    with open(path, "rb") as f:
        f.seek(offset)
        return _exchange_of_line(f.readline(), source, index)


def piece_bounds(path: Path, pieces: int) -> list[tuple[int, int]]:
    """Byte ranges of about the same size that cover the file, `pieces` of them (fewer when lines are longer than
    a piece), each starting at the start of a line and the first at 0: for `exchanges_between` in parallel."""
    size = path.stat().st_size
    starts = [0]
    with open(path, "rb") as f:
        for k in range(1, pieces):
            f.seek(max(size * k // pieces, len(HEADER), starts[-1] + 1) - 1)
            f.readline()  # to the end of the line this offset falls in (or of the header)
            start = f.tell()
            if starts[-1] < start < size:
                starts.append(start)
    return list(zip(starts, [*starts[1:], size], strict=True))


def _exchange_of_line(line: bytes, source: str, index: int) -> Exchange:
    if line.translate(None, _PRINTABLE) in (b"", b"\n") and not (
        (_GAP in line and _WIDE_GAP.search(line)) or (b"\\u" in line and _SURROGATE_ESCAPE.search(line))
    ):
        try:
            record = orjson.loads(memoryview(line)[2:])
        except orjson.JSONDecodeError:
            record = _with_long_escapes(line) if b"\\U" in line else None
        exchange = _plain_exchange(record, source, index) if record is not None else None
        if exchange is not None:
            return exchange
    return _yaml_exchange(line, source, index)


def _with_long_escapes(line: bytes) -> Any:
    """The line parsed as JSON once its `\\UXXXXXXXX` escapes are JSON's; None if it still is not JSON."""
    try:
        return orjson.loads(_LONG_ESCAPE.sub(_json_escape, line[2:]))
    except (orjson.JSONDecodeError, _NotJson):
        return None


class _NotJson(ValueError):
    pass


def _json_escape(m: re.Match[bytes]) -> bytes:
    code = int(m.group(2), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _NotJson  # libyaml refuses these; let it say so
    char = f"\\u{code:04x}".encode("ascii") if code < 0x10000 else chr(code).encode("utf-8")
    return m.group(1) + char


def _yaml_exchange(line: bytes, source: str, index: int) -> Exchange:
    """One line read as YAML, as the only interaction of a cassette (the same reading `vcr_cassette` does)."""
    interactions = cassette_interactions(load_yaml(_YAML_HEADER + line.decode("utf-8"), source), source)
    if len(interactions) != 1:
        raise NotLineCassette(f"{source}: the line of interaction {index} holds {len(interactions)} interactions")
    return exchange_from_record(interactions[0], source, index)


def _plain_exchange(record: Any, source: str, index: int) -> Exchange | None:
    """The exchange, as vcrpy and `exchange_from_vcr` would make it, of an interaction of the shape the proxy
    writes; None for any other shape."""
    if type(record) is not dict or not (record.keys() <= _TOP_KEYS):
        return None
    request, response = record.get("request"), record.get("response")
    if type(request) is not dict or type(response) is not dict:
        return None
    if request.keys() != _REQUEST_KEYS or response.keys() != _RESPONSE_KEYS:
        return None
    method, uri, req_body = request["method"], request["uri"], request["body"]
    status, resp_body = response["status"], response["body"]
    if type(method) is not str or type(uri) is not str or (req_body is not None and type(req_body) is not str):
        return None
    if type(status) is not dict or status.keys() != _STATUS_KEYS or type(status["code"]) is not int:
        return None
    if type(status["message"]) is not str:
        return None
    if type(resp_body) is not dict or resp_body.keys() != _BODY_KEYS or type(resp_body["string"]) is not str:
        return None
    verdict = record.get("assistants_contract")
    if verdict is not None and not _verdict_fits(verdict):
        return None
    # vcrpy's HeadersDict keeps the first value of each request header, the name's case of its first appearance
    # and the value of its last; a response's headers stay lists, joined with ", ".
    request_headers = _first_values(request["headers"])
    response_headers = _joined_values(response["headers"])
    if request_headers is None or response_headers is None:
        return None
    body = req_body.encode("utf-8") if req_body else None
    data: bytes | None = resp_body["string"].encode("utf-8")
    if data:
        try:
            data = decode_body(data, response_headers.get("content-encoding"))
        except ValueError:
            pass  # as exchange_from_vcr: the body may be stored decoded under its header
    return Exchange(
        Request(method, uri, Headers._lowered(request_headers), body),
        Response(status["code"], Headers._lowered(response_headers), data),
        source,
        index,
    )


def _first_values(headers: Any) -> dict[str, str] | None:
    """The request's headers as `Headers` holds them (lower-case names), or None for another shape."""
    if type(headers) is not dict:
        return None
    merged: dict[str, str] = {}
    for name, values in headers.items():
        # The first value only: vcrpy keeps no other, so what they are cannot change the exchange.
        if type(values) is not list or not values or len(name) > _LONGEST_KEY or type(values[0]) is not str:
            return None
        merged[name.lower()] = values[0]
    return merged


def _joined_values(headers: Any) -> dict[str, str] | None:
    """The response's headers as `Headers` holds them (lower-case names, values joined), or None for another shape."""
    if type(headers) is not dict:
        return None
    merged: dict[str, str] = {}
    for name, values in headers.items():
        if type(values) is not list or len(name) > _LONGEST_KEY:
            return None
        if len(values) == 1 and type(values[0]) is str:
            joined = values[0]  # the usual case, and what joining one value gives
        else:
            for value in values:
                if type(value) is not str:
                    return None
            joined = ", ".join(values)
        lower = name.lower()
        merged[lower] = f"{merged[lower]}, {joined}" if lower in merged else joined  # as Headers joins them
    return merged


def _verdict_fits(verdict: Any) -> bool:
    """Whether YAML reads the recorded verdict too (vcrpy ignores it, but a key YAML refuses fails the file)."""
    if type(verdict) is dict and verdict.keys() <= _VERDICT_KEYS and verdict.get("violations") == []:
        return not isinstance(verdict.get("version"), dict | list) and not isinstance(
            verdict.get("operation_id"), dict | list
        )
    return _keys_fit(verdict)


def _keys_fit(value: Any) -> bool:
    """No key too long for YAML, no nesting deeper than a YAML reader is sure to take."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > _DEEPEST:
            return False
        if type(item) is dict:
            for key, inner in item.items():
                if len(key) > _LONGEST_KEY:
                    return False
                if type(inner) is dict or type(inner) is list:
                    stack.append((inner, depth + 1))
        elif type(item) is list:
            stack.extend((inner, depth + 1) for inner in item if type(inner) is dict or type(inner) is list)
    return True
