"""vcrpy cassettes: the format (pure) and the file (written atomically, off the traffic's path).

The format is vcrpy's own (`version: 1`, `interactions` of request/response) in plain
YAML, so `vcr.use_cassette(path, record_mode="none")` and `@pytest.mark.vcr` replay it unchanged. Bodies
are stored decoded (no `content-encoding`), as vcrpy's `decode_compressed_response=True` would store them, so
cassettes stay readable. Each interaction may carry the contract's verdict under `assistants_contract`; vcrpy
reads only `request` and `response` and ignores it.

The YAML is written by `serialize_interaction` rather than `yaml.dump`: the data is always the same few shapes
(mappings, lists, strings, bytes, numbers, null), and PyYAML's representer spends about 2 ms on a 48 KB body,
in the proxy's process, where every millisecond is taken from the traffic. Strings are YAML double-quoted
scalars, which is JSON string syntax plus a few more escapes; any YAML loader reads them back exactly.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._models import CheckResult, Exchange

__all__ = ["CassetteFile", "interaction", "serialize_interaction", "write_atomically", "VERDICT_KEY"]

log = logging.getLogger(__name__)
CASSETTE_FORMAT_VERSION = 1
VERDICT_KEY = "assistants_contract"
_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def _body(data: bytes | None) -> str | bytes | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # YAML stores it as !!binary, and vcrpy reads it back as bytes


def _headers(headers: Any, body: bytes | None) -> dict[str, list[str]]:
    out = {name: [value] for name, value in headers.items() if name.lower() not in _DROPPED_HEADERS}
    if body is not None:
        out["content-length"] = [str(len(body))]
    return out


def interaction(exchange: Exchange, result: CheckResult | None = None, origin: str | None = None) -> dict[str, Any]:
    """One vcrpy interaction for an exchange that has a response (already redacted by the caller).

    `origin` (`https://api.openai.com`) replaces the scheme, host and port of the recorded URL, so traffic that
    went to a local upstream replays for a client that talks to that origin.
    """
    request, response = exchange.request, exchange.response
    uri = request.url
    request_headers = {name: [value] for name, value in request.headers.items()}
    if origin:
        parts = urlsplit(uri)
        target = urlsplit(origin)
        uri = urlunsplit(parts._replace(scheme=target.scheme, netloc=target.netloc))
        if "host" in request_headers:
            request_headers["host"] = [target.netloc]
    if response is None:
        raise ValueError("an exchange without a response cannot be replayed, so it is not recorded")
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    record: dict[str, Any] = {
        "request": {
            # No body is '' as vcrpy records it from httpx (and so from the openai SDK): its body matcher tells
            # '' from null, and a GET recorded as null would not replay.
            "body": _body(request.body) or "",
            "headers": request_headers,
            "method": request.method,
            "uri": uri,
        },
        "response": {
            "status": {"code": response.status, "message": reason},
            "headers": _headers(response.headers, response.body),
            "body": {"string": _body(response.body) or ""},
        },
    }
    if result is not None:
        record[VERDICT_KEY] = {
            "version": result.version,
            "operation_id": result.operation_id,
            "violations": [v.to_dict() for v in result.violations],
        }
    return record


_HEADER = f"version: {CASSETTE_FORMAT_VERSION}\ninteractions:\n".encode()
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}  # YAML 1.1 reads these as bool/null
# What JSON leaves as it is but YAML may not: C1 controls and U+FFFE/U+FFFF are refused by YAML readers, and
# NEL, LS and PS are line breaks that a double-quoted scalar folds into spaces.
_NOT_FOR_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _quoted(text: str) -> str:
    if _SURROGATE.search(text):
        # Only a header mitmproxy could not decode carries these; libyaml refuses them even escaped.
        text = _SURROGATE.sub("\ufffd", text)
    out = json.dumps(text, ensure_ascii=False)
    if _NOT_FOR_YAML.search(out):
        out = _NOT_FOR_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bytes):
        return '!!binary "' + base64.b64encode(value).decode("ascii") + '"'  # as vcrpy stores a binary body
    if isinstance(value, dict | list) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    raise TypeError(f"a cassette holds no {type(value).__name__} values")


def _key(key: str) -> str:
    return key if _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML_WORDS else _quoted(key)


def _block(value: dict[str, Any] | list[Any], indent: int, out: list[str]) -> None:
    """The lines of a non-empty mapping or list in YAML block style, `indent` spaces in."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{_key(key)}:")
                _block(item, indent + 2, out)
            else:
                out.append(f"{pad}{_key(key)}: {_scalar(item)}")
        return
    for item in value:
        if isinstance(item, dict | list) and item:
            first = len(out)
            _block(item, indent + 2, out)
            out[first] = f"{pad}- {out[first][indent + 2 :]}"  # the item's first line goes after its dash
        else:
            out.append(f"{pad}- {_scalar(item)}")


def serialize_interaction(record: dict[str, Any]) -> bytes:
    """One interaction as a YAML sequence item (`- request: ...`), UTF-8 encoded; the cassette's
    `interactions:` list is the concatenation of these."""
    out: list[str] = []
    _block([record], 0, out)
    out.append("")
    return "\n".join(out).encode("utf-8")


def write_atomically(path: Path, text: str) -> None:
    """Write, flush, fsync, rename: a reader (or a kill -9) sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CassetteFile:
    """One cassette that grows as interactions arrive. A background thread does the serializing and writing,
    so the proxy's hooks only enqueue.

    Every write makes a complete new file and renames it over the old one, so a kill at any moment leaves a
    loadable cassette. The new file is the old one copied in the kernel (no Python, no GIL: the traffic does not
    wait for it) plus the interactions that arrived since. Writes happen at once after a quiet spell; under
    load, interactions gather for at least a quarter second, and for ten times as long as the last write took,
    so a long session spends at most a tenth of its time rewriting (a kill loses at most that last spell).

    A write that fails is logged as an error and retried with the next batch: a full disk must not stop the
    traffic the proxy carries, and nothing already written is lost.
    """

    MIN_INTERVAL = 0.25

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.failures = 0
        self._pending: list[bytes] = []  # serialized, not yet in the file
        self._last_write = 0.0
        self._interval = self.MIN_INTERVAL
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"cassette:{path.name}", daemon=True)
        self._thread.start()

    def add(self, record: dict[str, Any]) -> None:
        self._queue.put(record)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = self._last_write + self._interval  # in the past after a quiet spell: write at once
            while None not in batch and (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self._queue.get(timeout=left))
                except queue.Empty:
                    break
            records = [r for r in batch if r is not None]
            if records:
                self._pending.extend(serialize_interaction(r) for r in records)
                self.count += len(records)
            if self._pending:
                started = time.monotonic()
                self._write()
                self._last_write = time.monotonic()
                self._interval = max(self.MIN_INTERVAL, 10 * (self._last_write - started))
            if None in batch:
                return

    def _write(self) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        try:
            started = self.path.exists()
            if started:
                shutil.copyfile(self.path, tmp)  # sendfile(2) on Linux: the copy never enters Python
            with open(tmp, "ab") as f:
                f.writelines([] if started else [_HEADER])
                f.writelines(self._pending)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except Exception as e:  # noqa: BLE001 - any failure here must be reported, not raised into the proxy
            Path(tmp).unlink(missing_ok=True)
            self.failures += 1
            log.error("could not write cassette %s: %s", self.path, e)
            return
        self._pending.clear()
