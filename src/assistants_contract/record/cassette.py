"""vcrpy cassettes: the format (pure) and the file (written atomically, off the traffic's path).

The format is vcrpy's own (`version: 1`, `interactions` of request/response) in plain
YAML, so `vcr.use_cassette(path, record_mode="none")` and `@pytest.mark.vcr` replay it unchanged. Bodies
are stored decoded (no `content-encoding`), as vcrpy's `decode_compressed_response=True` would store them, so
cassettes stay readable. Each interaction may carry the contract's verdict under `assistants_contract`; vcrpy
reads only `request` and `response` and ignores it.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

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
            "body": _body(request.body),
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


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_HEADER = f"version: {CASSETTE_FORMAT_VERSION}\ninteractions:\n"


def serialize_interaction(record: dict[str, Any]) -> str:
    """One interaction as a YAML sequence item (`- request: ...`); bytes become `!!binary`, as vcrpy writes."""
    return yaml.dump([record], Dumper=_DUMPER, default_flow_style=False, allow_unicode=True)


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
    """One cassette that grows as interactions arrive. A background thread does the writing, so the proxy's
    hooks only enqueue. Each interaction is serialized once; the file is rewritten from the kept text atomically,
    at once after a quiet spell and at most every quarter second under load, so a kill at any moment leaves a
    complete, loadable cassette (missing at most the last quarter second of traffic).

    A write that fails is logged as an error and retried with the next batch: a full disk must not stop the
    traffic the proxy carries, and nothing already written is lost.
    """

    BATCH_SECONDS = 0.25

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.failures = 0
        self._parts: list[str] = [_HEADER]
        self._last_write = 0.0
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
            # Gather what arrives in the next moment too: each write copies the whole file, so writing per flow
            # would cost time proportional to the session's length on every request.
            deadline = self._last_write + self.BATCH_SECONDS  # in the past after a quiet spell: write at once
            while None not in batch and (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self._queue.get(timeout=left))
                except queue.Empty:
                    break
            records = [r for r in batch if r is not None]
            if records:
                self._parts.extend(serialize_interaction(r) for r in records)
                self.count += len(records)
                self._write()
                self._last_write = time.monotonic()
            if None in batch:
                return

    def _write(self) -> None:
        try:
            write_atomically(self.path, "".join(self._parts))
        except Exception as e:  # noqa: BLE001 - any failure here must be reported, not raised into the proxy
            self.failures += 1
            log.error("could not write cassette %s: %s", self.path, e)
