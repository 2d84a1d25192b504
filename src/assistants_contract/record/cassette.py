"""vcrpy cassettes: the format (pure) and the file (written atomically, off the traffic's path).

The format is vcrpy's own (`version: 1`, `interactions` of request/response) in plain
YAML, so `vcr.use_cassette(path, record_mode="none")` and `@pytest.mark.vcr` replay it unchanged. Bodies
are stored decoded (no `content-encoding`), as vcrpy's `decode_compressed_response=True` would store them, so
cassettes stay readable. Each interaction may carry the contract's verdict under `assistants_contract`; vcrpy
reads only `request` and `response` and ignores it.

Each interaction is one line of the `interactions` list, a YAML flow mapping (`- {"request": ...}`) in
plain ASCII: strings are YAML double-quoted scalars, which is JSON string syntax plus a few more escapes, so
any YAML loader reads them back exactly. One line an interaction is what lets the file grow by appending alone
(see `CassetteFile`). `serialize_interaction` writes it rather than `yaml.dump`, since the data is always the
same few shapes: for a 48 KB message list it takes 0.23 ms, PyYAML's C dumper 0.68 ms.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import logging
import os
import queue
import re
import secrets
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._models import CheckResult, Exchange

__all__ = [
    "CassetteFile",
    "count_committed",
    "interaction",
    "serialize_interaction",
    "write_atomically",
    "VERDICT_KEY",
    "with_origin",
]

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


def with_origin(url: str, origin: str) -> str:
    """`url` with the scheme, host and port of `origin` (`https://api.openai.com`): the URL a cassette records,
    and the one reports show, for traffic that went to a local upstream."""
    target = urlsplit(origin)
    return urlunsplit(urlsplit(url)._replace(scheme=target.scheme, netloc=target.netloc))


def interaction(exchange: Exchange, result: CheckResult | None = None, origin: str | None = None) -> dict[str, Any]:
    """One vcrpy interaction for an exchange that has a response (already redacted by the caller).

    `origin` (`https://api.openai.com`) replaces the scheme, host and port of the recorded URL, so traffic that
    went to a local upstream replays for a client that talks to that origin.
    """
    request, response = exchange.request, exchange.response
    uri = request.url
    request_headers = {name: [value] for name, value in request.headers.items()}
    if origin:
        uri = with_origin(uri, origin)
        if "host" in request_headers:
            request_headers["host"] = [urlsplit(origin).netloc]
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
# What JSON leaves as it is but the file may not hold: DEL and everything beyond ASCII, escaped so that no
# byte of a line is part of a multi-byte character (a line cut short by a kill stays decodable), and so that
# no C1 control or Unicode line break reaches a YAML reader, which refuses the former and folds the latter.
_NOT_ASCII = re.compile("[^\x00-\x7e]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONGEST_KEY = 1000  # YAML allows an implicit key of up to 1024 characters; past that it needs `? key`


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# What `json.dumps(text, ensure_ascii=False)` does with a string, without building an encoder each time: a
# line holds some fifty strings.
_json_string = json.encoder.encode_basestring


def _quoted(text: str) -> str:
    out = _json_string(text)
    if out.isascii() and "\x7f" not in out:
        return out
    if _SURROGATE.search(out):
        # Only a header mitmproxy could not decode carries these; libyaml refuses them even escaped.
        out = _SURROGATE.sub("\ufffd", out)
    return _NOT_ASCII.sub(lambda m: _escape(m.group()), out)


def _flow(value: Any) -> str:
    # The most common kinds first; bool before int, since a bool is an int. Most values in a line are strings
    # (a header's values, the fields of a request): those are quoted on the spot, without a call of this.
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            quoted = _quoted(key)
            flowed = _quoted(item) if type(item) is str else _flow(item)
            pairs.append(f"{quoted}: {flowed}" if len(quoted) <= _LONGEST_KEY else f"? {quoted} : {flowed}")
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join([_quoted(item) if type(item) is str else _flow(item) for item in value]) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return '!!binary "' + base64.b64encode(value).decode("ascii") + '"'  # as vcrpy stores a binary body
    raise TypeError(f"a cassette holds no {type(value).__name__} values")


def serialize_interaction(record: dict[str, Any]) -> bytes:
    """One interaction as one line, an item of the cassette's `interactions` list: `- {...}\\n`, ASCII."""
    return f"- {_flow(record)}\n".encode("ascii")


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write, flush, fsync, rename: a reader (or a kill -9) sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_beside(path: Path) -> tuple[int, str]:
    """A new temporary file next to `path`, made with mode 0666 less the umask, as `open()` would make it.
    `tempfile.mkstemp` makes 0600 whatever the umask, and the rename would give that to the report or
    cassette a CI job or a colleague then cannot read."""
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


def count_committed(path: Path) -> int:
    """How many interactions a cassette of `CassetteFile`'s holds: its lines that are list items. For a cassette
    whose writer died, to tell how many of the interactions handed to it are lost."""
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.startswith(b"- {") and line.endswith(b"\n"))
    except FileNotFoundError:
        return 0


class CassetteFile:
    """One cassette that grows as interactions arrive. A background thread serializes and writes, so the proxy's
    hooks only enqueue.

    The file is only ever appended to: nothing written is written again, however long the session. It
    is made, atomically, with the first interactions. Each later batch is appended as lines that YAML reads as
    comments (`# {...}`); once they are all on disk, the first byte of each is overwritten with `-`, which
    makes it an item of the list. Writing one byte cannot be torn, so a kill at any moment leaves a cassette
    that loads: at worst its last lines are still comments, or one is cut short, and those interactions are
    the ones lost.

    A write that fails is undone and retried with the next batch: a full disk must not stop the traffic the
    proxy carries, and nothing already written is lost. The first failure is logged; `close` tells how many
    interactions never reached the file (`lost`) and why (`error`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0  # interactions in the file
        self.failures = 0
        self.lost = 0  # interactions still unwritten at close
        self.error: str | None = None  # the last write failure
        self._pending: list[bytes] = []  # serialized, not yet in the file
        self._fd: int | None = None
        self._size = 0  # bytes in the file that are ours: where the next batch goes
        self._queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"cassette:{path.name}", daemon=True)
        self._thread.start()

    def add(self, record: dict[str, Any]) -> None:
        self._queue.put([record])

    def add_all(self, records: list[dict[str, Any]]) -> None:
        """Several interactions, in order, handed over at once: each hand-over wakes the writer thread."""
        if records:
            self._queue.put(list(records))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.lost = len(self._pending)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            with contextlib.suppress(queue.Empty):
                while True:  # and whatever else has arrived meanwhile: one write and one sync for all of it
                    batch.append(self._queue.get_nowait())
            self._pending.extend(serialize_interaction(r) for records in batch if records for r in records)
            if self._pending:
                self._write()
            if None in batch:
                return

    def _write(self) -> None:
        try:
            if self._fd is None:
                # Made with the first interaction alone, the rest appended: a first batch too big for the space
                # left (a backlog, handed over at once) still leaves a cassette holding what fits.
                content = _HEADER + self._pending[0]
                write_atomically(self.path, content)
                self._fd = os.open(self.path, os.O_WRONLY)
                self._size = len(content)
                self.count += 1
                del self._pending[0]
            if self._pending:
                self._append()
        except OSError as e:
            self.failures += 1
            self.error = e.strerror or str(e)
            if self.failures == 1:  # once: a full disk fails every batch, and `close` gives the count
                log.error("could not write cassette %s: %s; retrying with each new interaction", self.path, self.error)
            return
        self.count += len(self._pending)
        self._pending.clear()

    def _append(self) -> None:
        assert self._fd is not None
        data = b"".join(b"#" + line[1:] for line in self._pending)
        try:
            if os.pwrite(self._fd, data, self._size) != len(data):
                raise OSError(errno.ENOSPC, "short write (is the disk full?)")
            os.fdatasync(self._fd)  # the lines are on disk before any of them counts
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)  # no torn line may stay for the next batch to follow
            raise
        offset = self._size
        for line in self._pending:
            os.pwrite(self._fd, b"-", offset)
            offset += len(line)
        self._size = offset
