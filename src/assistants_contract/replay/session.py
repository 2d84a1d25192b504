"""One replay session: each incoming request checked against the contract, answered from the recordings (or
refused, or missed), and counted for the summary. Pure: a `Request` in, a `Reply` out; the HTTP side is app.py.

What a client gets:

- a recorded answer (status, headers and body as recorded), with `x-assistants-contract: ok` or
  `violations=N code@pointer ...` saying whether its request keeps the contract, and
  `x-assistants-contract-replay: <cassette> #<index>` naming the interaction that answered
  (`... (repeated)` when a read got its last answer again, see playback.py);
- with `strict`, for a request that breaks the contract: the API's 400 envelope, code `contract_violation`,
  instead of the recording (which stays unplayed);
- for a request no recording matches: 404 in the API's envelope, type `invalid_request_error`, code
  `no_recorded_interaction`, its message naming the closest recorded request and what differs; a write sent more
  often than recorded gets the same with code `recorded_interactions_used_up`. 404 and not 400: the request may
  well be valid (400 is what `--strict` answers for one that is not), it is only not in the recording, and no SDK
  retries a 404. A test that expects a 404 from the API passes on it too, which is why every miss also makes the
  session fail (exit status 1) and is listed in its summary.

Everything that leaves the session as text (log lines, headers, error messages, the summary) goes through the
session's `Redactor`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

from .._models import CheckResult, Exchange, Request, Response, Severity, Violation
from ..contract import Contract
from ..record.redact import Redactor
from ..report.summary import ReplayMiss, ReplayTally, Summary, UnusedInteraction
from ..server.errors import APIError, BadRequest, NotFound
from .matching import request_key
from .playback import Answer, Outcome, Playback

__all__ = ["Reply", "ReplaySession", "VERDICT_HEADER", "REPLAY_HEADER", "verdict"]

VERDICT_HEADER = "x-assistants-contract"
REPLAY_HEADER = "x-assistants-contract-replay"
STREAM_MEDIA_TYPE = "text/event-stream"
# Not sent as recorded: the body is sent decoded and its length (or chunking) is the server's to say.
_DROPPED_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"})
_MISS_CODES = {Outcome.UNMATCHED: "no_recorded_interaction", Outcome.USED_UP: "recorded_interactions_used_up"}
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")  # an event ends at a blank line, in any of SSE's line endings
_LISTED = 5  # violations named in a header or a log line; the summary has them all


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send: `events` is set for a `text/event-stream` answer, its body split into events (each ending
    with its blank line), to be sent one event a chunk; else `body` is the whole body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    events: tuple[bytes, ...] | None = None


def verdict(violations: Sequence[Violation], redactor: Redactor) -> str:
    """The `x-assistants-contract` value: `ok`, or `violations=N code@pointer ...` naming the errors; warnings
    follow as `; warnings=N ...`. Pointers are percent-encoded past printable ASCII, so the value is a valid
    header whatever key a body had."""
    errors = [v for v in violations if v.severity is Severity.ERROR]
    warnings = [v for v in violations if v.severity is not Severity.ERROR]
    value = f"violations={len(errors)} {_listed(errors)}" if errors else "ok"
    if warnings:
        value += f"; warnings={len(warnings)} {_listed(warnings)}"
    return redactor.text(value)


def _listed(violations: Sequence[Violation]) -> str:
    named = " ".join(f"{v.code}@{quote(v.pointer or '/', safe='/~@:,')}" for v in violations[:_LISTED])
    return named + (" ..." if len(violations) > _LISTED else "")


class ReplaySession:
    """Answers requests from `exchanges` (recorded ones, with responses) and keeps the tally.

    `log` gets one line a request (redacted). `summary()` is the session so far, unused interactions included,
    for the text, JSON, JUnit and HTML sinks."""

    def __init__(
        self,
        exchanges: Iterable[Exchange],
        contract: Contract,
        *,
        strict: bool = False,
        cassettes: Sequence[str] = (),
        redactor: Redactor | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.playback = Playback(exchanges)
        self.contract = contract
        self.strict = strict
        self.redactor = redactor or Redactor()
        self.log = log
        self.tally = ReplayTally(cassettes=list(cassettes), interactions=len(self.playback))
        self._summary = Summary.for_contract(contract)

    def handle(self, request: Request) -> Reply:
        result = self.contract.check(Exchange(request))
        checked = verdict(result.violations, self.redactor)
        key = request_key(request.method, request.url, request.body)
        self.tally.requests += 1
        if self.strict and not result.ok:
            self.tally.refused += 1
            reply = self._error(
                BadRequest.contract_violation(
                    result.errors, self.redactor, "Refused by assistants-contract replay --strict"
                ),
                checked,
                "refused",
            )
            self._count(request, result, reply.status, None)
            self._say(request, result, reply.status, "REFUSED (--strict)", checked)
            return reply
        answer = self.playback.answer(key)
        if not answer.answered:
            message = self.redactor.text(answer.message(key))
            code = _MISS_CODES[answer.outcome]
            url = _path(request.url)
            self.tally.misses.append(ReplayMiss(request.method, url, code, message))
            reply = self._error(NotFound(f"assistants-contract replay: {message}", code=code), checked, "no-match")
            self._count(request, result, None, None)
            self._say(request, result, reply.status, f"NO ANSWER ({code})", checked, message)
            return reply
        recording = answer.recording
        assert recording is not None
        if answer.outcome is Outcome.REPEATED:
            self.tally.repeated += 1
        else:
            self.tally.played += 1
        reply = self._recorded(answer, checked)
        self._count(request, result, reply.status, recording.exchange)
        again = " (repeated)" if answer.outcome is Outcome.REPEATED else ""
        self._say(request, result, reply.status, f"<- {recording.where}{again}", checked)
        return reply

    def summary(self) -> Summary:
        """The session so far; its `replay` holds the unused interactions as of now."""
        unused = [
            UnusedInteraction(r.exchange.source, r.exchange.index, r.exchange.request.method, r.exchange.request.url)
            for r in self.playback.unused()
        ]
        return replace(self._summary, replay=replace(self.tally, misses=list(self.tally.misses), unused=unused))

    # --- helpers ------------------------------------------------------------------------------------------

    def _recorded(self, answer: Answer, checked: str) -> Reply:
        recording = answer.recording
        assert recording is not None and recording.exchange.response is not None
        response = recording.exchange.response
        headers = [(name, value) for name, value in response.headers.items() if name not in _DROPPED_HEADERS]
        again = " (repeated)" if answer.outcome is Outcome.REPEATED else ""
        headers += [(VERDICT_HEADER, checked), (REPLAY_HEADER, _header_text(recording.where + again))]
        body = response.body or b""
        if response.headers.media_type() == STREAM_MEDIA_TYPE:
            return Reply(response.status, tuple(headers), events=tuple(split_events(body)))
        return Reply(response.status, tuple(headers), body)

    def _error(self, error: APIError, checked: str, replayed: str) -> Reply:
        headers = (("content-type", "application/json"), (VERDICT_HEADER, checked), (REPLAY_HEADER, replayed))
        return Reply(error.status, headers, json.dumps(error.body()).encode())

    def _count(self, request: Request, result: CheckResult, status: int | None, recorded: Exchange | None) -> None:
        # The summary keeps no bodies; it names the interaction that answered, so a finding points at its cassette.
        exchange = Exchange(
            replace(request, body=None),
            Response(status) if status is not None else None,
            source=recorded.source if recorded is not None else None,
            index=recorded.index if recorded is not None else None,
        )
        self._summary.add(exchange, self.redactor.result(result))

    def _say(
        self, request: Request, result: CheckResult, status: int, outcome: str, checked: str, detail: str = ""
    ) -> None:
        """`POST /v1/assistants [createAssistant] 200 <- a.yaml #0; contract ok`, and a miss's message after."""
        if self.log is not None:
            line = f"{request.method} {_path(request.url)} [{result.operation_id or '-'}] {status} {outcome}"
            line += f"; contract {checked}" + (f"; {detail}" if detail else "")
            self.log(self.redactor.text(line))


def split_events(body: bytes) -> list[bytes]:
    """A recorded `text/event-stream` body as its events, each with the blank line that ends it; what follows
    the last blank line (a stream cut short) is one more piece."""
    events: list[bytes] = []
    start = 0
    for end in _EVENT_END.finditer(body):
        events.append(body[start : end.end()])
        start = end.end()
    if start < len(body):
        events.append(body[start:])
    return events


def _path(url: str) -> str:
    """The path and query of a request as sent (a recorded URL is absolute; a served one is not)."""
    if "://" not in url:
        return url
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


def _header_text(value: str) -> str:
    return value if value.isascii() and value.isprintable() else quote(value, safe=" /#()@:,.=;-_~")
