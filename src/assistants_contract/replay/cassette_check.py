"""A vcrpy cassette, checked as it plays: the replay rule of `matching.py` as vcrpy matchers, and
`CassetteCheck`, which checks every request a client sends through a cassette against the contract.

    check = CassetteCheck(contract)
    with vcr_with_matchers().use_cassette(path, record_mode="none", match_on=MATCH_ON) as cassette:
        check.attach(cassette)
        ...                                     # the client under test
    check.failure()                             # None, or the violations and the unanswered requests as text

The matchers compare the parts of `request_key` (method, path, query, JSON body), one matcher a part, so
vcrpy's own "no match" error names the part that differs and says how (its `differences` lines). The host,
scheme and port are not compared: a client may point at another base URL than the one recorded.

The pytest plugin's `assistants_cassette` is built on these; nothing here imports pytest.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import vcr
from vcr.util import read_body

from .._models import CheckResult, Exchange, Headers, Request, Severity
from ..contract import Contract
from ..record.redact import Redactor
from .matching import RequestKey, closest, differences, request_key

__all__ = [
    "MATCH_ON",
    "MATCHERS",
    "CassetteCheck",
    "Unanswered",
    "VCR_OPTIONS",
    "key_of",
    "matchers_named",
    "request_from_vcr",
    "vcr_with_matchers",
]

Matcher = Callable[[Any, Any], None]


@functools.lru_cache(maxsize=4096)
def _key(method: str, uri: str, body: bytes | str | None) -> RequestKey:
    return request_key(method, uri, body)


def key_of(request: Any) -> RequestKey:
    """The `RequestKey` of a vcrpy request; cached, since vcrpy asks each matcher about every recording."""
    body = read_body(request)
    return _key(request.method, request.uri, bytes(body) if isinstance(body, bytearray) else body)


def _part_matcher(name: str, part: str) -> Matcher:
    def matcher(sent: Any, recorded: Any) -> None:
        # vcrpy calls a matcher with (the request sent, a recorded one) and keeps the AssertionError's text.
        theirs, ours = key_of(recorded), key_of(sent)
        if getattr(theirs, part) != getattr(ours, part):
            # Compare the keys with only this part different, so the lines are about this part alone.
            found = differences(replace(ours, **{part: getattr(theirs, part)}), ours)
            raise AssertionError(_REDACTOR.text("\n".join(found)))

    matcher.__name__ = name
    matcher.__qualname__ = name
    matcher.__doc__ = f"The {part} of `matching.request_key` is the same."
    return matcher


_REDACTOR = Redactor()

MATCHERS: dict[str, Matcher] = {
    name: _part_matcher(name, part)
    for name, part in (
        ("assistants_method", "method"),
        ("assistants_path", "path"),
        ("assistants_query", "query"),
        ("assistants_body", "body"),
    )
}
MATCH_ON: tuple[str, ...] = tuple(MATCHERS)


def vcr_with_matchers(**options: Any) -> vcr.VCR:
    """A `vcr.VCR` that knows the `assistants_*` matchers by name."""
    instance = vcr.VCR(**options)
    for name, matcher in MATCHERS.items():
        instance.register_matcher(name, matcher)
    return instance


def matchers_named(names: Iterable[str]) -> tuple[Matcher, ...]:
    """The matcher functions for `names`: ours and vcrpy's built-in ones (ValueError names the valid ones)."""
    known = {**vcr.VCR().matchers, **MATCHERS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown matcher {', '.join(map(repr, unknown))}; choose from {', '.join(sorted(known))}")
    return tuple(known[name] for name in names)


def request_from_vcr(request: Any) -> Request:
    """A vcrpy request (sent or loaded from a cassette) as the core's `Request`."""
    body = read_body(request)
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = Headers((name, _joined(value)) for name, value in request.headers.items())
    return Request(request.method, request.uri, headers, body or None)


def _joined(value: Any) -> str:
    # Headers loaded from a cassette are lists of values; those of a request being sent are strings.
    return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


# --- checking ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unanswered:
    """A request the cassette had no recording for (record mode `none`, or `once` on an existing file)."""

    request: Request
    closest: tuple[int, RequestKey, list[str]] | None  # index in the cassette, its key, what differs


class CassetteCheck:
    """Every request sent through a cassette, checked against the contract as it is sent, and the ones the
    cassette could not answer. Findings are kept, never raised: the client under test gets its recorded
    answer (or vcrpy's error) as it would without the check, and the test fails afterwards with
    `failure()`."""

    def __init__(self, contract: Contract, redactor: Redactor | None = None) -> None:
        self.contract = contract
        self.redactor = redactor or _REDACTOR
        self.checked: list[CheckResult] = []  # one per request, in the order sent
        self.requests: list[Request] = []
        self.unanswered: list[Unanswered] = []
        self.cassette: Any = None
        self._seen: dict[int, Any] = {}
        self._lock = threading.Lock()

    def attach(self, cassette: Any) -> None:
        """Watch `cassette` (a `vcr.cassette.Cassette` already entered).

        Every vcrpy stub asks `can_play_response_for` first about each request, so wrapping it sees each one
        with the cassette's answer. http.client's stub asks twice about the same request object (on connect
        and on getresponse); the second time is not counted again."""
        self.cassette = cassette
        asked = cassette.can_play_response_for

        def can_play_response_for(request: Any) -> Any:
            answer = asked(request)
            self.observe(request, bool(answer))
            return answer

        cassette.can_play_response_for = can_play_response_for

    def observe(self, sent: Any, answered: bool) -> None:
        with self._lock:
            if self._seen.get(id(sent)) is sent:
                return
            self._seen[id(sent)] = sent  # kept alive, so its id is not reused by a later request
        cassette = self.cassette
        filtered = cassette.filter_request(sent)
        if not filtered:
            return  # ignored (ignore_hosts, ignore_localhost, a before_record_request that drops it)
        request = request_from_vcr(sent)  # what the client sent, not the recording's filtered copy
        result = self.contract.check(Exchange(request, source=str(cassette.path)))
        unanswered = None
        if not answered and cassette.write_protected:
            candidates = [key_of(recorded) for recorded in cassette.requests]
            nearest = closest(candidates, key_of(filtered))
            found = None if nearest is None else (nearest[0], candidates[nearest[0]], nearest[1])
            unanswered = Unanswered(request, found)
        with self._lock:
            self.requests.append(request)
            self.checked.append(result)
            if unanswered is not None:
                self.unanswered.append(unanswered)

    # --- what it found ---------------------------------------------------------------------------------------

    @property
    def failed(self) -> bool:
        return bool(self.unanswered) or any(not result.ok for result in self.checked)

    def failure(self) -> str | None:
        """What fails the test, as text (redacted): every request that broke the contract with each of its
        violations, then every request the cassette could not answer with the closest recording and what
        differs. None when there is nothing."""
        return self.report() if self.failed else None

    def report(self) -> str | None:
        """Every finding (warnings too) as text, or None when every request conformed and was answered."""
        sections = [section for section in (self._violations(), self._unanswered()) if section]
        return "\n\n".join(sections) if sections else None

    def _violations(self) -> str:
        pairs = zip(self.requests, self.checked, strict=True)
        broken = [(request, self.redactor.result(result)) for request, result in pairs if result.violations]
        if not broken:
            return ""
        errors = sum(len(c.errors) for _, c in broken)
        warnings = sum(len(c.violations) for _, c in broken) - errors
        counts = ", ".join(
            f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (warnings, "warning")) if n
        )
        lines = [
            f"assistants-contract: {counts} in {len(broken)} of the {len(self.checked)} requests sent"
            f" through {self.cassette.path}:"
        ]
        for request, result in broken:
            operation = f"{result.version} {result.operation_id or 'no operation'}"
            lines.append(f"  {request.method} {self._where(request.url)} ({operation})")
            ordered = sorted(result.violations, key=lambda v: v.severity is not Severity.ERROR)
            for v in ordered:
                lines.append(f"    {v.severity.value} {v.described}")
        return "\n".join(lines)

    def _unanswered(self) -> str:
        if not self.unanswered:
            return ""
        count = len(self.unanswered)
        mode = getattr(self.cassette.record_mode, "value", self.cassette.record_mode)
        lines = [
            f"assistants-contract: {count} request{'s' if count != 1 else ''} with no recording in"
            f" {self.cassette.path} (record_mode {mode}):"
        ]
        for missed in self.unanswered:
            lines.append(f"  {missed.request.method} {self._where(missed.request.url)}")
            if missed.closest is None:
                lines.append("    the cassette holds no requests")
                continue
            index, recorded, found = missed.closest
            if not found:
                lines.append(
                    f"    it is recorded as interaction {index} ({recorded.describe()}), but that was played already:"
                    " record it as often as it is sent, or pass allow_playback_repeats=True"
                )
                continue
            lines.append(f"    closest recorded: interaction {index}, {self.redactor.text(recorded.describe())}")
            lines.extend(f"      {self.redactor.text(line)}" for line in found)
        return "\n".join(lines)

    def _where(self, url: str) -> str:
        parts = urlsplit(self.redactor.url(url))
        return parts.path + (f"?{parts.query}" if parts.query else "")


# Options `vcr.VCR.use_cassette` takes (it ignores the names it does not know, so check them ourselves).
VCR_OPTIONS = frozenset(inspect.signature(vcr.VCR.__init__).parameters) - {"self"} | {
    "allow_playback_repeats",
    "additional_matchers",
    "persister",
}
