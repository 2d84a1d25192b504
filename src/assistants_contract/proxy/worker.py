"""The response side (finish.py) in a process of its own, so the proxy's event loop only hands jobs over.

    proxy process                                                 worker process (`main` below)
    ContractCheck -- submit(job) --> loop writer -- stdin --> Finisher.finish(job)
                 <-- deliver(outcome) <-- loop reader <-- stdout --'

On a 2-core machine this takes a 48 KB message list's check, redaction and recording off the proxy's
process: 1 to 2 ms a flow, measured in mitmdump, during which the next request waited. Messages are pickles,
each after its length (4 bytes, big-endian); the worker is the proxy's own child and speaks to nobody else.

Both ends move messages in batches, since under load the per-message cost of the pipe was what showed: the
jobs submitted in one turn of the event loop go out in one write, after it, from the loop itself (a thread
of ours would fight the loop for the GIL and be woken for every job); the worker takes every job that has
arrived, does them all, and answers them in one write. A pipe that is full (a worker behind) is written to
when the loop says it is writable; meanwhile the jobs wait in memory, as they always did.

None of the worker's work has to be done soon, and under load it is cheaper late. After each answer the
worker lets `gather` seconds (40 ms) pass before it reads again, so that a busy proxy's jobs come in batches of
a dozen or more instead of one or two: the cost of a batch (its reads and writes, the cassette's sync, and
waking the proxy's loop to read the answers) is paid some 25 times a second however many flows pass. A lone
flow is answered at once, since the worker was waiting on the pipe. And the worker runs at nice 10, so that on
a machine with every core busy the traffic goes first. Measured under load (30 clients, some 300 flows a second,
`benchmarks/bench_proxy.py --load`), the two took two fifths off the worker's CPU a flow (0.50 to 0.30 ms). A
slower worker is never taken for a stuck one: it answers in order, and the watchdog below looks only for an
oldest job that has gone `timeout` seconds without an answer.

If the worker dies, an error says so and its unfinished jobs, and every later one, run in the proxy
(`InlineBackend`): the verdicts go on, only slower. A recording then goes on in a new cassette beside the first,
which the dead worker may have left ending in a torn line. A worker that is alive but stuck (stopped, hung on a
disk) is treated the same: when its oldest job has waited `timeout` seconds without an answer, it is killed.
A watchdog on the event loop looks every half timeout, so the per-flow path pays nothing for it; the same
timeout bounds how long shutdown waits for a worker that makes no progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .._models import CheckResult, Exchange, Headers, Request, Response, Severity, Side, Violation
from ..contract import Contract
from ..record.cassette import count_committed
from .finish import Deliver, Finisher, InlineBackend, Job, Outcome, Recorded, Settings

__all__ = ["WorkerBackend", "main"]

log = logging.getLogger("assistants_contract")
_LENGTH = struct.Struct(">I")
_IOV_MAX = os.sysconf("SC_IOV_MAX") if "SC_IOV_MAX" in os.sysconf_names else 16  # buffers one writev takes
# Not `-m`: that would make this module `__main__` over there, and the classes it unpickles would not be its own.
_ENTRY = "import sys; from assistants_contract.proxy.worker import main; sys.exit(main())"


@dataclass(frozen=True)
class _Start:
    sources: dict[str, str]  # version -> contract document path
    prefixes: tuple[str, ...]
    settings: Settings
    gather: float


@dataclass(frozen=True)
class _Failed:
    flow_id: str
    error: str


@dataclass(frozen=True)
class _Ready:
    """The worker has loaded the contract: from now on, its answers are due within the timeout."""


@dataclass(frozen=True)
class _Closed:
    """The worker's last message: how its cassettes fared."""

    recorded: list[Recorded]


def _frame(message: Any) -> bytes:
    data = pickle.dumps(_encode(message), protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


# Every flow sends a job one way and an outcome back, and the proxy's loop pickles the one and unpickles the
# other. As tuples of plain values they take a seventh of the time to pickle, and half to unpickle, that the
# dataclasses take (copyreg's reduce, then `__setattr__` field by field), so those two go as tuples. The other
# messages are rare, and go as they are.
_JOB, _OUTCOME = "job", "outcome"


def _encode(message: Any) -> Any:
    if isinstance(message, Job):
        return (
            _JOB,
            message.flow_id,
            _request(message.request),
            _response(message.response),
            tuple(_violation(v) for v in message.found),
            message.check_request,
            message.check_response,
            message.check_body,
            message.record,
        )
    if isinstance(message, Outcome):
        result, exchange = message.result, message.exchange
        return (
            _OUTCOME,
            message.flow_id,
            result.version,
            result.operation_id,
            [_violation(v) for v in result.violations],
            _request(exchange.request),
            _response(exchange.response),
            exchange.source,
            exchange.index,
        )
    return message


def _decode(value: Any) -> Any:
    if type(value) is not tuple:
        return value
    if value[0] == _JOB:
        _, flow_id, request, response, found, check_request, check_response, check_body, record = value
        return Job(
            flow_id,
            _to_request(request),
            _to_response(response),
            tuple(_to_violation(v) for v in found),
            check_request,
            check_response,
            check_body,
            record,
        )
    _, flow_id, version, operation_id, violations, request, response, source, index = value
    result = CheckResult(version, operation_id, [_to_violation(v) for v in violations])
    return Outcome(flow_id, result, Exchange(_to_request(request), _to_response(response), source, index))


def _request(request: Request) -> tuple[Any, ...]:
    # The headers' own dict (names lower-case, repeats joined), which `Headers._lowered` takes back as it is.
    return (request.method, request.url, request.headers._items, request.body)


def _to_request(value: tuple[Any, ...]) -> Request:
    method, url, headers, body = value
    return Request(method, url, Headers._lowered(headers), body)


def _response(response: Response | None) -> tuple[Any, ...] | None:
    return None if response is None else (response.status, response.headers._items, response.body)


def _to_response(value: tuple[Any, ...] | None) -> Response | None:
    if value is None:
        return None
    status, headers, body = value
    return Response(status, Headers._lowered(headers), body)


def _violation(v: Violation) -> tuple[Any, ...]:
    return (v.code, v.message, v.side.value, v.severity.value, v.operation_id, v.pointer, v.schema_location)


def _to_violation(value: tuple[Any, ...]) -> Violation:
    code, message, side, severity, operation_id, pointer, schema_location = value
    return Violation(code, message, Side(side), Severity(severity), operation_id, pointer, schema_location)


def _frames(buffer: bytearray) -> list[Any]:
    """Take the complete messages off the front of `buffer`. The buffer is cut once, not after each message:
    a read of a batch holds many."""
    messages = []
    offset = 0
    with memoryview(buffer) as view:
        while len(buffer) - offset >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(buffer, offset)
            end = offset + _LENGTH.size + size
            if len(buffer) < end:
                break
            messages.append(_decode(pickle.loads(view[offset + _LENGTH.size : end])))
            offset = end
    del buffer[:offset]
    return messages


def _read_messages(fd: int) -> Iterator[list[Any]]:
    """The messages from a pipe, as many at a time as have arrived; ends with the pipe."""
    buffer = bytearray()
    while chunk := os.read(fd, 1 << 20):
        buffer.extend(chunk)
        if messages := _frames(buffer):
            yield messages


class WorkerBackend:
    """Runs jobs in a worker process. Made on the proxy's running event loop, which delivers the outcomes."""

    TIMEOUT = 20.0  # seconds the oldest job may wait for its outcome before the worker counts as stuck
    STARTUP = 60.0  # seconds it may take to load the contract (at least `timeout`): seconds on a busy machine
    GATHER = 0.04  # seconds the worker lets jobs gather after each answer (see the module's docstring)
    NICE = 10  # how much lower than the proxy's the worker's priority is

    def __init__(
        self,
        contract: Contract,
        settings: Settings,
        deliver: Deliver,
        timeout: float | None = None,
        gather: float = GATHER,
    ) -> None:
        self.contract = contract
        self.settings = settings
        self.deliver = deliver
        self.timeout = timeout if timeout and timeout > 0 else self.TIMEOUT
        self._loop = asyncio.get_running_loop()
        self._pending: dict[str, Job] = {}  # in the order sent: the worker answers in that order
        self._fallback: InlineBackend | None = None
        self._buffer = bytearray()
        self._outbox: deque[bytes | memoryview] = deque()  # framed messages for the worker, not yet in the pipe
        self._flushing = False  # a write of the outbox is due: after this turn of the loop, or once it is writable
        self._closing = False  # no more messages: once the outbox is written, end the worker's input
        self._recorded_jobs = 0  # outcomes of jobs the worker was to record: to count what a dead one lost
        self._closed: _Closed | None = None
        self._ready = False  # it has loaded the contract: only then are answers due within `timeout`
        self._started = self._loop.time()
        self._watched: tuple[str | None, float] = (None, 0.0)  # the oldest pending job, and since when
        sources = {version: document.source for version, document in contract.documents.items()}
        prefixes = next(iter(contract.documents.values())).prefixes
        # In a process group of its own: a Ctrl-C in the terminal reaches the proxy's whole group, and would kill a
        # worker still importing, before `main` could ignore it. The proxy ends it by closing its input.
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _ENTRY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            process_group=0,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdout = self._proc.stdout.fileno()
        self._stdin: int | None = self._proc.stdin.fileno()
        os.set_blocking(self._stdout, False)
        os.set_blocking(self._stdin, False)
        self._loop.add_reader(self._stdout, self._readable)
        self._post(_Start(sources, prefixes, settings, gather))
        self._watchdog = self._loop.call_later(self.timeout / 2, self._watch)

    # --- the proxy's side ---------------------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        if self._fallback is not None:
            self._fallback.configure(self._fallback_settings())
        else:
            self._post(settings)

    def submit(self, job: Job) -> None:
        if self._fallback is not None:
            self._fallback.submit(job)
            return
        self._pending[job.flow_id] = job
        self._post(job)

    def close(self) -> list[Recorded]:
        """Let the worker finish every job and deliver each outcome; waits for it (the loop may be stopped) as
        long as it makes progress, at most `timeout` seconds without. Says how each cassette fared."""
        self._watchdog.cancel()
        if self._fallback is not None:
            return self._recorded()
        if not self._ready and not self._pending:
            # Still loading the contract, with nothing to do: a short session need not wait for that.
            self._unwatch_pipes()
            self._end_input()
            self._proc.kill()
            self._proc.wait()
            return self._recorded()
        self._unwatch_pipes()
        self._closing = True
        ended = False
        # The loop may be stopped: write the rest and read the outcomes here, both at once, so that a worker
        # blocked on writing its answers still reads its jobs.
        while True:
            wait = self.timeout if self._ready else self._startup
            writing = [self._stdin] if self._stdin is not None else []
            readable, writable, _ = select.select([self._stdout], writing, [], wait)
            if not readable and not writable:
                break
            if writable:
                self._write_outbox()
            if readable:
                chunk = os.read(self._stdout, 1 << 20)
                if not chunk:
                    ended = True
                    break
                self._buffer.extend(chunk)
                self._take(_frames(self._buffer))
        self._end_input()  # a worker that ended by itself may have left jobs unread: they are pending, done here
        if not ended:
            self._stuck(f"the checking worker made no progress for {self.timeout:g} s at shutdown")
            return self._recorded()
        try:
            self._proc.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            log.error("assistants-contract: the checking worker did not exit in %g s; killed it", self.timeout)
        if self._pending:
            self._fall_back(f"the checking worker ended with {len(self._pending)} jobs undone")
        return self._recorded()

    @property
    def _startup(self) -> float:
        return max(self.timeout, self.STARTUP)

    def _recorded(self) -> list[Recorded]:
        """The worker's own account of its cassettes; for a worker that died, what its cassette holds."""
        recorded: list[Recorded] = []
        if self._closed is not None:
            recorded += self._closed.recorded
        elif self.settings.record_path is not None:
            path = self.settings.record_path
            written = count_committed(path)
            lost = max(0, self._recorded_jobs - written)
            recorded.append(
                Recorded(path, written, lost, "the checking worker ended before writing them" if lost else None)
            )
        if self._fallback is not None:
            recorded += self._fallback.close()
        return recorded

    def _watch(self) -> None:
        """Every half timeout on the event loop: has the oldest job waited too long?"""
        if self._fallback is not None:
            return
        now = self._loop.time()
        oldest = next(iter(self._pending), None)
        if not self._ready and oldest is not None and now - self._started >= self._startup:
            self._stuck(f"the checking worker did not start in {self._startup:g} s")
            return
        if oldest is None or oldest != self._watched[0] or not self._ready:
            self._watched = (oldest, now)
        elif now - self._watched[1] >= self.timeout:
            self._stuck(f"the checking worker has not answered for {now - self._watched[1]:.0f} s")
            return
        self._watchdog = self._loop.call_later(self.timeout / 2, self._watch)

    def _stuck(self, why: str) -> None:
        """Take what the worker did send, kill it, and do the rest here."""
        self._unwatch_pipes()
        with contextlib.suppress(OSError):
            while select.select([self._stdout], [], [], 0)[0] and (chunk := os.read(self._stdout, 1 << 20)):
                self._buffer.extend(chunk)
        self._take(_frames(self._buffer))
        self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5)
        self._end_input()
        self._fall_back(f"{why}; killed it")

    # --- the pipe to the worker ------------------------------------------------------------------------------

    def _post(self, message: Any) -> None:
        """Queue a message; the write comes after this turn of the loop, with whatever else was posted in it."""
        if self._stdin is None:
            return  # the worker is gone; its pending jobs are done here
        self._outbox.append(_frame(message))
        if not self._flushing:
            self._flushing = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._write_outbox()
        if self._stdin is not None and self._outbox:
            self._loop.add_writer(self._stdin, self._flush)  # the pipe is full: again once the worker has read
            return
        if self._stdin is not None:
            self._loop.remove_writer(self._stdin)
        self._flushing = False

    def _write_outbox(self) -> None:
        """Write as much of the outbox as the pipe takes now; once all is written and no more will come, end
        the worker's input."""
        while self._outbox and self._stdin is not None:
            chunks = list(itertools.islice(self._outbox, _IOV_MAX))
            try:
                written = os.writev(self._stdin, chunks)
            except BlockingIOError:
                return
            except OSError:
                # The worker is gone; the reader sees its end, and its pending jobs are done here.
                self._end_input()
                return
            for chunk in chunks:
                if written < len(chunk):
                    self._outbox[0] = memoryview(chunk)[written:]
                    return
                written -= len(chunk)
                self._outbox.popleft()
        if self._closing:
            self._end_input()

    def _end_input(self) -> None:
        """No more messages for the worker: its end of the pipe ends, and it finishes what it has."""
        self._outbox.clear()
        if self._stdin is None:
            return
        with contextlib.suppress(ValueError, RuntimeError):
            self._loop.remove_writer(self._stdin)
        self._stdin = None
        assert self._proc.stdin is not None
        with contextlib.suppress(OSError):
            self._proc.stdin.close()

    def _unwatch_pipes(self) -> None:
        """From now on the pipes are read and written here, not by the loop."""
        with contextlib.suppress(ValueError, RuntimeError):
            self._loop.remove_reader(self._stdout)
        if self._stdin is not None:
            with contextlib.suppress(ValueError, RuntimeError):
                self._loop.remove_writer(self._stdin)

    def _readable(self) -> None:
        try:
            chunk = os.read(self._stdout, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            self._unwatch_pipes()
            self._end_input()
            self._fall_back(f"the checking worker exited ({self._proc.poll()})")
            return
        self._buffer.extend(chunk)
        self._take(_frames(self._buffer))

    def _take(self, messages: list[Any]) -> None:
        for message in messages:
            if isinstance(message, _Ready):
                self._ready = True
                continue
            if isinstance(message, _Closed):
                self._closed = message
                continue
            job = self._pending.pop(message.flow_id, None)
            if isinstance(message, _Failed):
                log.error("assistants-contract: internal error checking flow %s:\n%s", message.flow_id, message.error)
                continue
            if job is not None and job.record:
                self._recorded_jobs += 1
            self.deliver(message)

    def _fallback_settings(self) -> Settings:
        path = self.settings.record_path
        if path is None:
            return self.settings
        return replace(self.settings, record_path=path.with_name(f"{path.stem}-continued{path.suffix}"))

    def _fall_back(self, why: str) -> None:
        if self._fallback is not None:
            return
        self._watchdog.cancel()
        settings = self._fallback_settings()
        where = f"; recording goes on in {settings.record_path}" if settings.record_path else ""
        log.error("assistants-contract: %s; checking goes on in the proxy's process%s", why, where)
        self._fallback = InlineBackend(Finisher(self.contract, settings), self.deliver)
        jobs, self._pending = list(self._pending.values()), {}
        for job in jobs:
            self._fallback.submit(job)


# --- the worker's side -------------------------------------------------------------------------------------


def main() -> int:
    # The proxy decides when this ends, by closing stdin once it has sent the last job (or by dying: then too
    # stdin ends, after the jobs it sent). A SIGINT sent to this process by hand is ignored as well.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # a system that refuses is only slower under load
        os.nice(WorkerBackend.NICE)
    stdin, stdout = sys.stdin.buffer.fileno(), sys.stdout.buffer.fileno()
    sys.stdout = sys.stderr  # stdout carries the outcomes: anything printed goes to the proxy's terminal instead
    batches = _read_messages(stdin)
    messages = next(batches, [])
    if not messages or not isinstance(messages[0], _Start):
        return 2
    start = messages.pop(0)
    contract = Contract.load(start.settings.version, paths=start.sources, prefixes=start.prefixes)
    finisher = Finisher(contract, start.settings)
    gc.freeze()  # the contract stays to the end: collections need not scan it (see ContractCheck.running)
    _write_all(stdout, _frame(_Ready()))
    try:
        for batch in itertools.chain([messages], batches):
            # All the jobs that have arrived, their interactions to the cassette at once, then all their answers
            # in one write.
            answers = []
            with finisher.batch():
                for message in batch:
                    if isinstance(message, Settings):
                        finisher.configure(message)
                        continue
                    try:
                        outcome: Outcome | _Failed = finisher.finish(message)
                    except Exception:  # noqa: BLE001 - one bad job must not end the worker
                        outcome = _Failed(message.flow_id, finisher.redactor.text(traceback.format_exc()))
                    answers.append(_frame(outcome))
            _write_all(stdout, b"".join(answers))
            time.sleep(start.gather)
    finally:
        finisher.close()
    _write_all(stdout, _frame(_Closed(finisher.recorded)))
    return 0


def _write_all(fd: int, data: bytes) -> None:
    # Straight to the pipe: the buffered `sys.stdout.buffer` writes message by message when PYTHONUNBUFFERED is
    # set, and each write wakes the proxy's loop.
    written = 0
    while written < len(data):
        written += os.write(fd, data[written:])
