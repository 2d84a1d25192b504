"""The response side of a flow's verdict: check the response, redact the exchange, record it.

This is most of the proxy's work on a flow (for a 48 KB message list: parsing and checking the body, finding
the secrets in it, writing it to the cassette), and none of it has to happen before the client has its answer.
So it is a function of picklable data, `Finisher.finish(Job) -> Outcome`, and a backend decides where it runs:
`InlineBackend` in the proxy's own process, or `worker.WorkerBackend` in a process of its own, where it costs
the proxy's event loop nothing but handing the job over.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .._models import CheckResult, Exchange, Headers, Request, Response, Violation
from ..contract import Contract
from ..record.cassette import CassetteFile, interaction, with_origin
from ..record.redact import Redactor

__all__ = ["Backend", "Finisher", "InlineBackend", "Job", "Outcome", "Recorded", "Settings"]

log = logging.getLogger("assistants_contract")


@dataclass(frozen=True)
class Settings:
    """What the response side needs of the proxy's options."""

    version: str = "v2"  # contract_version
    redact: tuple[str, ...] = ()  # contract_redact
    record_path: Path | None = None  # the session's cassette in contract_record_dir
    record_origin: str | None = None  # contract_record_origin


@dataclass(frozen=True)
class Recorded:
    """How one cassette of the session fared: interactions written, interactions that never reached the file
    (a full disk, a worker that died first) and the reason."""

    path: Path
    written: int
    lost: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Job:
    """One flow's response side. `found` holds what the proxy already found: a stream's violations, checked
    event by event as it passed, and the request's when the `block` policy had to check it at once."""

    flow_id: str
    request: Request
    response: Response | None
    found: tuple[Violation, ...]
    check_request: bool  # False: already checked, its violations are in `found`
    check_response: bool  # False: the response is our own (block policy)
    check_body: bool  # False: a stream (its events are in `found`), or a body cut off on the way
    record: bool  # only a whole exchange goes to the cassette: replay would serve a cut one as complete


@dataclass(frozen=True)
class Outcome:
    """The verdict, with secrets taken out of it: the result, and the exchange. Only a finding's exchange comes
    whole (reports show its headers and bodies); a conforming one is counted and logged, for which its method, URL
    and status are enough, so that is all it carries back."""

    flow_id: str
    result: CheckResult
    exchange: Exchange


class Finisher:
    """Does the work of a `Job`. Owns the session's cassette while recording."""

    def __init__(self, contract: Contract, settings: Settings = Settings()) -> None:
        self.contract = contract
        self.settings = Settings(version=contract.default_version)
        self.redactor = Redactor()
        self.cassette: CassetteFile | None = None
        self._added: dict[Path, int] = {}  # interactions handed to each cassette: the index of the next one
        self.recorded: list[Recorded] = []  # the cassettes closed so far
        self._held: list[dict[str, Any]] | None = None  # interactions for the cassette, inside `batch()`
        self.configure(settings)

    def configure(self, settings: Settings) -> None:
        if settings.version != self.settings.version:
            self.contract = Contract(self.contract.documents.values(), settings.version)
        if settings.redact != self.settings.redact:
            self.redactor = Redactor(settings.redact)  # Redact has made sure they compile
        if settings.record_path != self.settings.record_path:
            self._hand_over()  # what this batch recorded so far belongs to the cassette being closed
            self.close()
            self.cassette = CassetteFile(settings.record_path) if settings.record_path else None
        self.settings = settings

    def finish(self, job: Job) -> Outcome:
        match = self.contract.match(job.request)
        violations = self.contract.check_request(match) if job.check_request else []
        violations.extend(job.found)
        if job.response is not None and job.check_response:
            checked = job.response if job.check_body else replace(job.response, body=None)
            violations.extend(self.contract.check_response(match, checked))
        result = self.redactor.result(CheckResult(match.version, match.operation_id, violations))
        exchange = Exchange(job.request, job.response)
        origin = self.settings.record_origin
        if self.cassette is None or not job.record or job.response is None:
            # Only the cassette and the report of a finding keep headers and bodies: redact just what the outcome
            # carries.
            shown = exchange if result.violations else _outline(exchange)
            return Outcome(job.flow_id, result, _at_origin(self.redactor.exchange(shown), origin))
        exchange = self.redactor.exchange(exchange)
        record = interaction(exchange, result, origin)
        if self._held is not None:
            self._held.append(record)
        else:
            self.cassette.add(record)
        # The report names the interaction, as lint does for a cassette it reads.
        path = self.cassette.path
        index = self._added[path] = self._added.get(path, -1) + 1
        shown = exchange if result.violations else _outline(exchange)
        return Outcome(
            job.flow_id, result, _at_origin(Exchange(shown.request, shown.response, str(path), index), origin)
        )

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Jobs finished inside hand their interactions to the cassette together, at the end: each hand-over
        wakes the cassette's writer thread, which under load cost the worker more than writing them."""
        self._held = []
        try:
            yield
        finally:
            self._hand_over()
            self._held = None

    def _hand_over(self) -> None:
        if self._held:
            assert self.cassette is not None
            self.cassette.add_all(self._held)
            self._held = []

    def close(self) -> None:
        self._hand_over()
        if self.cassette is not None:
            cassette, self.cassette = self.cassette, None
            cassette.close()
            self.recorded.append(Recorded(cassette.path, cassette.count, cassette.lost, cassette.error))


def _at_origin(exchange: Exchange, origin: str | None) -> Exchange:
    """The exchange with the URL and Host the client used, as the cassette records them (`contract_record_origin`)."""
    if not origin:
        return exchange
    request = exchange.request
    headers = request.headers
    if "host" in headers:
        headers = Headers({**dict(headers.items()), "host": urlsplit(origin).netloc})
    return replace(exchange, request=replace(request, url=with_origin(request.url, origin), headers=headers))


def _outline(exchange: Exchange) -> Exchange:
    """The method, URL and status of an exchange: what a conforming flow's outcome needs. Headers and bodies stay
    behind, which spares redacting them here and carrying them to the proxy's process, on every flow."""
    request, response = exchange.request, exchange.response
    return Exchange(
        Request(request.method, request.url),
        Response(response.status) if response is not None else None,
        exchange.source,
        exchange.index,
    )


Deliver = Callable[[Outcome], None]


class Backend(Protocol):
    """Where jobs run. `deliver` gets each outcome, on the proxy's event loop, in any order."""

    def configure(self, settings: Settings) -> None: ...

    def submit(self, job: Job) -> None: ...

    def close(self) -> list[Recorded]:
        """Deliver every outcome still due, then stop; say how each cassette fared."""
        ...


class InlineBackend:
    """Runs each job at once, in this process: for mitmproxy's test kit (no event loop), and when the worker
    process cannot be had."""

    def __init__(self, finisher: Finisher, deliver: Deliver) -> None:
        self.finisher = finisher
        self.deliver = deliver

    def configure(self, settings: Settings) -> None:
        self.finisher.configure(settings)

    def submit(self, job: Job) -> None:
        self.deliver(self.finisher.finish(job))

    def close(self) -> list[Recorded]:
        self.finisher.close()
        return list(self.finisher.recorded)
