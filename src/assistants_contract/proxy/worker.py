"""The response side (finish.py) in a process of its own, so the proxy's event loop only hands jobs over.

    proxy process                                                 worker process (`main` below)
    ContractCheck -- submit(job) --> sender thread -- stdin --> Finisher.finish(job)
                 <-- deliver(outcome) <-- loop reader <-- stdout --'

On a 2-core machine this takes a 48 KB message list's check, redaction and recording off the proxy's
process: 1 to 2 ms a flow, measured in mitmdump, during which the next request waited. Messages are pickles,
each after its length (4 bytes, big-endian); the worker is the proxy's own child and speaks to nobody else.

If the worker dies, an error says so and its unfinished jobs, and every later one, run in the proxy
(`InlineBackend`): the verdicts go on, only slower. A recording then goes on in a new cassette beside the first,
which the dead worker may have left ending in a torn line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import IO, Any

from ..contract import Contract
from .finish import Deliver, Finisher, InlineBackend, Job, Outcome, Settings

__all__ = ["WorkerBackend", "main"]

log = logging.getLogger("assistants_contract")
_LENGTH = struct.Struct(">I")
# Not `-m`: that would make this module `__main__` over there, and the classes it unpickles would not be its own.
_ENTRY = "import sys; from assistants_contract.proxy.worker import main; sys.exit(main())"


@dataclass(frozen=True)
class _Start:
    sources: dict[str, str]  # version -> contract document path
    prefixes: tuple[str, ...]
    settings: Settings


@dataclass(frozen=True)
class _Failed:
    flow_id: str
    error: str


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None


def _frames(buffer: bytearray) -> list[Any]:
    """Take the complete messages off the front of `buffer`."""
    messages = []
    while len(buffer) >= _LENGTH.size:
        (size,) = _LENGTH.unpack_from(buffer)
        if len(buffer) < _LENGTH.size + size:
            break
        messages.append(pickle.loads(bytes(buffer[_LENGTH.size : _LENGTH.size + size])))
        del buffer[: _LENGTH.size + size]
    return messages


class WorkerBackend:
    """Runs jobs in a worker process. Made on the proxy's running event loop, which delivers the outcomes."""

    CLOSE_TIMEOUT = 30.0

    def __init__(self, contract: Contract, settings: Settings, deliver: Deliver) -> None:
        self.contract = contract
        self.settings = settings
        self.deliver = deliver
        self._loop = asyncio.get_running_loop()
        self._pending: dict[str, Job] = {}
        self._fallback: InlineBackend | None = None
        self._buffer = bytearray()
        self._outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        sources = {version: document.source for version, document in contract.documents.items()}
        prefixes = next(iter(contract.documents.values())).prefixes
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _ENTRY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdout = self._proc.stdout.fileno()
        os.set_blocking(self._stdout, False)
        self._loop.add_reader(self._stdout, self._readable)
        self._sender = threading.Thread(target=self._send_all, name="contract-worker-sender", daemon=True)
        self._sender.start()
        self._outbox.put(_Start(sources, prefixes, settings))

    # --- the proxy's side ---------------------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        if self._fallback is not None:
            self._fallback.configure(self._fallback_settings())
        else:
            self._outbox.put(settings)

    def submit(self, job: Job) -> None:
        if self._fallback is not None:
            self._fallback.submit(job)
            return
        self._pending[job.flow_id] = job
        self._outbox.put(job)

    def close(self) -> None:
        """Let the worker finish every job and deliver each outcome; waits for it (the loop may be stopped)."""
        if self._fallback is not None:
            self._fallback.close()
            return
        self._outbox.put(None)
        self._sender.join(self.CLOSE_TIMEOUT)
        with contextlib.suppress(ValueError, RuntimeError):
            self._loop.remove_reader(self._stdout)
        deadline = time.monotonic() + self.CLOSE_TIMEOUT
        while (left := deadline - time.monotonic()) > 0 and select.select([self._stdout], [], [], left)[0]:
            chunk = os.read(self._stdout, 1 << 20)
            if not chunk:
                break
            self._buffer.extend(chunk)
            self._take(_frames(self._buffer))
        try:
            self._proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._proc.kill()
            log.error("assistants-contract: the checking worker did not finish in %d s; killed it", self.CLOSE_TIMEOUT)
        if self._pending:
            self._fall_back(f"the checking worker ended with {len(self._pending)} jobs undone")
            self._fallback.close()

    def _send_all(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while (message := self._outbox.get()) is not None:
                _send(stdin, message)
                if self._outbox.empty():
                    stdin.flush()
            stdin.close()
        except OSError:
            pass  # the worker is gone; the reader sees its end and falls back

    def _readable(self) -> None:
        try:
            chunk = os.read(self._stdout, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            self._loop.remove_reader(self._stdout)
            self._fall_back(f"the checking worker exited ({self._proc.poll()})")
            return
        self._buffer.extend(chunk)
        self._take(_frames(self._buffer))

    def _take(self, messages: list[Any]) -> None:
        for message in messages:
            self._pending.pop(message.flow_id, None)
            if isinstance(message, _Failed):
                log.error("assistants-contract: internal error checking flow %s:\n%s", message.flow_id, message.error)
            else:
                self.deliver(message)

    def _fallback_settings(self) -> Settings:
        path = self.settings.record_path
        if path is None:
            return self.settings
        return replace(self.settings, record_path=path.with_name(f"{path.stem}-continued{path.suffix}"))

    def _fall_back(self, why: str) -> None:
        if self._fallback is not None:
            return
        settings = self._fallback_settings()
        where = f"; recording goes on in {settings.record_path}" if settings.record_path else ""
        log.error("assistants-contract: %s; checking goes on in the proxy's process%s", why, where)
        self._fallback = InlineBackend(Finisher(self.contract, settings), self.deliver)
        jobs, self._pending = list(self._pending.values()), {}
        for job in jobs:
            self._fallback.submit(job)


# --- the worker's side -------------------------------------------------------------------------------------


def main() -> int:
    # Ctrl-C in a terminal reaches the whole process group; the proxy decides when this ends, by closing stdin
    # once it has sent the last job (or by dying: then too stdin ends, after the jobs it sent).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries the outcomes: anything printed goes to the proxy's terminal instead
    start = _receive(stdin)
    if not isinstance(start, _Start):
        return 2
    contract = Contract.load(start.settings.version, paths=start.sources, prefixes=start.prefixes)
    finisher = Finisher(contract, start.settings)
    try:
        while (message := _receive(stdin)) is not None:
            if isinstance(message, Settings):
                finisher.configure(message)
                continue
            try:
                outcome: Outcome | _Failed = finisher.finish(message)
            except Exception:  # noqa: BLE001 - one bad job must not end the worker
                outcome = _Failed(message.flow_id, finisher.redactor.text(traceback.format_exc()))
            _send(stdout, outcome)
            stdout.flush()
    finally:
        finisher.close()
    return 0
