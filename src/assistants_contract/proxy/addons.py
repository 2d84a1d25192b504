"""mitmproxy addons: check every flow against the contract, redact it, record it, report on it, mark it.

One class per concern, in the order `default_addons()` lists them; they share one `FlowVerdict` per flow in
`flow.metadata`. Options all start with `contract_`; set them with `--set contract_record_dir=...`.

Nothing here may break traffic. A finding is recorded, never raised; an exception inside a hook is caught,
logged as an internal error, and the flow goes on unchanged. Streamed bodies (`text/event-stream`) pass chunk
by chunk as they arrive: the checker sees a copy, never holds bytes back.

Nor may checking slow the traffic down. Under the `block` policy the request is checked before it is
forwarded, since a bad one must be answered; a stream's events are checked as they pass. The rest (checking
the request and the response, redacting, recording) is a job for a worker process (see finish.py and
worker.py), so mitmproxy's event loop only hands it over. Its outcome comes back to ContractCheck, which
gives it to its sinks (Report, Mark) by calling their `contract_checked`; Redact and Record hold the options
that job is done with.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from mitmproxy import ctx, exceptions, flowfilter, hooks, http, optmanager

from .._models import CheckResult, Exchange, Request, Response, Severity, Side, Violation
from ..contract import VERSIONS, Contract, StreamCheck
from ..record.redact import Redactor
from ..report import Summary, text
from ..report.files import REPORT_NAMES, write_reports
from ..server.errors import BadRequest
from ..sources.encoding import IncrementalDecoder
from ..sources.mitmproxy_flow import request_from_flow, response_from_flow
from .finish import Backend, Finisher, InlineBackend, Job, Outcome, Recorded, Settings
from .worker import WorkerBackend

__all__ = ["ContractCheck", "FlowVerdict", "Mark", "Record", "Redact", "Report", "default_addons"]

log = logging.getLogger("assistants_contract")
KEY = "assistants_contract"
POLICIES = ("pass", "warn", "block")


@dataclass
class FlowVerdict:
    """What the addons know about one flow, kept in `flow.metadata["assistants_contract"]`."""

    request: Request
    violations: list[Violation] = field(default_factory=list)  # what the proxy found itself
    request_checked: bool = False  # only for the `block` policy; else the response side checks it
    stream: StreamCheck | None = None
    decoder: IncrementalDecoder | None = None
    chunks: list[bytes] = field(default_factory=list)
    blocked: bool = False
    submitted: bool = False  # its response side is on its way (finish.Job)
    result: CheckResult | None = None  # the outcome, redacted: the only forms sinks may see
    exchange: Exchange | None = None  # without bodies


class Sink(Protocol):
    """What ContractCheck hands each complete verdict to: the flow, its verdict in
    `flow.metadata["assistants_contract"]`, after its response was checked or it ended without one
    (`flow.error`)."""

    def contract_checked(self, flow: http.HTTPFlow) -> None: ...


def _guarded(hook: Callable) -> Callable:
    """Run a hook; if our code fails, log it (redacted: the URL and the traceback may hold a secret) and let the
    flow go on untouched."""

    @functools.wraps(hook)
    def wrapper(self: Any, flow: http.HTTPFlow) -> None:
        try:
            hook(self, flow)
        except Exception:  # noqa: BLE001 - a bug in checking must never drop or alter traffic
            redactor = getattr(self, "redactor", None) or _REDACTOR
            log.error(
                "assistants-contract: internal error in %s for %s; the flow passes unchanged\n%s",
                hook.__qualname__,
                redactor.url(flow.request.pretty_url),
                redactor.text(traceback.format_exc()).rstrip(),
            )

    return wrapper


_REDACTOR = Redactor()  # for an addon that has none of its own


def _verdict(flow: http.HTTPFlow) -> FlowVerdict | None:
    return flow.metadata.get(KEY)


class ContractCheck:
    """Checks both sides of each flow with the core; in `block` policy answers bad requests itself. `sinks` get
    each verdict once it is complete, in order."""

    def __init__(self, contract: Contract | None = None, sinks: Sequence[Sink] = ()) -> None:
        self.sinks = list(sinks)
        self._loaded = contract
        self.contract: Contract | None = contract
        self.filter: flowfilter.TFilter | None = None
        self.settings = Settings()  # for the response side, from this and the other addons' options
        self.redactor = Redactor()  # for what the proxy's process prints itself; the response side has its own
        self.backend: Backend | None = None
        self.recorded: list[Recorded] = []  # how the session's cassettes fared, once `done`
        self._waiting: dict[str, http.HTTPFlow] = {}  # submitted, outcome not yet delivered

    def load(self, loader: Any) -> None:
        log.setLevel(logging.INFO)  # the per-flow line is info; mitmproxy's own loggers keep their levels
        loader.add_option(
            "contract_version",
            str,
            "v2",
            "Assistants API version to check a request as when its OpenAI-Beta header names none.",
            choices=VERSIONS,
        )
        loader.add_option(
            "contract_policy",
            str,
            "warn",
            "pass: check and report silently; warn: also log every violation as it happens; block: also answer a"
            " request that breaks the contract with a 400 instead of forwarding it.",
            choices=POLICIES,
        )
        loader.add_option(
            "contract_filter",
            str | None,
            None,
            "mitmproxy filter expression choosing the flows to check (default: all). Example: '~d api.openai.com'.",
        )
        loader.add_option(
            "contract_worker",
            bool,
            True,
            "Check responses, redact and record in a worker process, so that the proxy only hands them over."
            " Off: all of it in the proxy's process, before the next request on the connection is read.",
        )
        loader.add_option(
            "contract_worker_timeout",
            float,
            WorkerBackend.TIMEOUT,
            "Seconds the checking worker may take to answer a job (and, at shutdown, to make any progress) before it"
            " counts as stuck: it is then killed and its work done in the proxy's process.",
        )

    def configure(self, updated: set[str]) -> None:
        if "termlog_verbosity" in updated:
            # The per-flow line is info: a quiet mitmdump (-q) shows none, so none is made. Formatting one and
            # handing it to mitmproxy's log costs 0.4 ms a flow.
            log.setLevel(ctx.options.termlog_verbosity.upper())
        if "contract_version" in updated:
            if self._loaded is None:
                self._loaded = Contract.load(default_version=ctx.options.contract_version)
            self.contract = Contract(self._loaded.documents.values(), ctx.options.contract_version)
            self.update_settings(version=ctx.options.contract_version)
        if "contract_filter" in updated:
            expression = ctx.options.contract_filter
            try:
                self.filter = flowfilter.parse(expression) if expression else None
            except ValueError as e:
                raise exceptions.OptionsError(f"contract_filter: {e}") from e

    def update_settings(self, **changes: Any) -> None:
        """For the addons whose options the response side uses (Redact, Record)."""
        self.settings = replace(self.settings, **changes)
        if "redact" in changes:
            self.redactor = Redactor(self.settings.redact)
        if self.backend is not None:
            self.backend.configure(self.settings)

    def running(self) -> None:
        # What exists now (mitmproxy's addons and options, the contract) lives as long as the proxy: out of the
        # garbage collector's sight, a full collection under load scans the flows' objects alone. Measured in
        # mitmdump under load, those took 3 % of its time.
        gc.freeze()
        if ctx.options.contract_worker and self.contract is not None and self.backend is None:
            try:
                self.backend = WorkerBackend(
                    self.contract, self.settings, self._deliver, ctx.options.contract_worker_timeout
                )
            except (OSError, RuntimeError) as e:  # no python to start, or no event loop to hear from it
                log.error("assistants-contract: no checking worker (%s); checking in the proxy's process", e)

    def _wanted(self, flow: http.HTTPFlow) -> bool:
        return self.filter is None or bool(flowfilter.match(self.filter, flow))

    @_guarded
    def request(self, flow: http.HTTPFlow) -> None:
        if self.contract is None or not self._wanted(flow) or flow.request.method == "PRI":
            # PRI * is the HTTP/2 preface of a client that skipped negotiation; mitmproxy refuses it, and it is
            # no API call.
            return
        verdict = FlowVerdict(request_from_flow(flow))
        flow.metadata[KEY] = verdict
        if ctx.options.contract_policy != "block":
            return  # the response side checks the request too, off the proxy's path
        verdict.violations = self.contract.check_request(self.contract.match(verdict.request))
        verdict.request_checked = True
        errors = [v for v in verdict.violations if v.severity is Severity.ERROR]
        if errors:
            verdict.blocked = True
            refusal = BadRequest.contract_violation(errors, self.redactor, "Blocked by assistants-contract")
            flow.response = http.Response.make(
                refusal.status, json.dumps(refusal.body()), {"content-type": "application/json"}
            )

    @_guarded
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        verdict = _verdict(flow)
        response = flow.response
        if verdict is None or response is None or verdict.blocked:
            return
        if response.headers.get("content-type", "").split(";")[0].strip().lower() != "text/event-stream":
            return
        verdict.stream = self.contract.stream_check(self.contract.match(verdict.request)) if self.contract else None
        verdict.decoder = IncrementalDecoder(response.headers.get("content-encoding"))

        def tee(chunk: bytes) -> bytes:
            # The chunk goes on unchanged whatever happens here; we only look at a copy.
            try:
                if chunk:
                    decoded = verdict.decoder.feed(chunk) if verdict.decoder else chunk
                    verdict.chunks.append(decoded)
                    if verdict.stream is not None and decoded:
                        verdict.violations.extend(verdict.stream.feed(decoded))
            except Exception:  # noqa: BLE001
                log.error(
                    "assistants-contract: internal error while checking a stream chunk\n%s",
                    self.redactor.text(traceback.format_exc()).rstrip(),
                )
            return chunk

        response.stream = tee

    @_guarded
    def response(self, flow: http.HTTPFlow) -> None:
        verdict = _verdict(flow)
        if verdict is not None and not verdict.submitted:
            self._submit(flow, verdict)

    error = response  # no response came (upstream down), or not all of it (cut off): submitted with what came

    def done(self) -> None:
        # Before the sinks' own `done`: every outcome still due is delivered to them first.
        if self.backend is not None:
            self.recorded = self.backend.close()
            self.backend = None

    def _submit(self, flow: http.HTTPFlow, verdict: FlowVerdict) -> None:
        verdict.submitted = True
        job = self._job(flow, verdict)
        self._waiting[flow.id] = flow
        if self.backend is None:
            assert self.contract is not None
            self.backend = InlineBackend(Finisher(self.contract, self.settings), self._deliver)
        self.backend.submit(job)

    def _job(self, flow: http.HTTPFlow, verdict: FlowVerdict) -> Job:
        cut = flow.error is not None
        response: Response | None = None
        if flow.response is not None:
            response = response_from_flow(flow, b"".join(verdict.chunks) if verdict.stream is not None else None)
        if verdict.stream is not None and not (cut and _client_left(flow)):
            # Complete, or cut by the upstream: the events are judged, `stream.incomplete` included. A client that
            # hung up cut the stream itself, and the upstream is not to blame for what it did not send.
            verdict.violations.extend(verdict.stream.finish())
        if response is None and cut and not _client_left(flow):
            # The upstream is down or hung up before answering: the client got mitmproxy's 502, not an answer.
            verdict.violations.append(_no_response(flow, verdict, self.contract))
        return Job(
            flow.id,
            verdict.request,
            response,
            tuple(verdict.violations),
            check_request=not verdict.request_checked,
            check_response=not verdict.blocked,
            check_body=verdict.stream is None and not cut,
            record=response is not None and not cut and not verdict.blocked,
        )

    def _deliver(self, outcome: Outcome) -> None:
        flow = self._waiting.pop(outcome.flow_id, None)
        verdict = _verdict(flow) if flow is not None else None
        if flow is None or verdict is None:
            return
        verdict.result, verdict.exchange = outcome.result, outcome.exchange
        for sink in self.sinks:
            sink.contract_checked(flow)
        _log_flow(flow, self.redactor)


def _no_response(flow: http.HTTPFlow, verdict: FlowVerdict, contract: Contract | None) -> Violation:
    operation = contract.match(verdict.request).operation_id if contract is not None else None
    reason = flow.error.msg if flow.error else "no answer"
    return Violation(
        "response.missing",
        f"No response came from the upstream ({reason}); is it running, and is --upstream right?",
        Side.RESPONSE,
        operation_id=operation,
    )


def _client_left(flow: http.HTTPFlow) -> bool:
    """Whether the client, not the upstream, ended the flow early: its connection closed, or (HTTP/2, where the
    connection stays) mitmproxy's error message names it."""
    return flow.client_conn.timestamp_end is not None or "client" in (flow.error.msg if flow.error else "").lower()


def _log_flow(flow: http.HTTPFlow, redactor: Redactor) -> None:
    verdict = _verdict(flow)
    assert verdict is not None and verdict.result is not None and verdict.exchange is not None
    result = verdict.result  # the result and the exchange come redacted from the response side
    if not log.isEnabledFor(logging.INFO) and not flow.error and not result.violations:
        return  # a quiet proxy (mitmdump -q) shows no line for a conforming flow: none is made
    errors = [v for v in result.violations if v.severity is Severity.ERROR]
    warnings = len(result.violations) - len(errors)
    state = "blocked" if verdict.blocked else "FAIL" if errors else "ok"
    status = flow.response.status_code if flow.response else "no response"
    path = _path(verdict.exchange.request.url)
    line = f"{flow.request.method} {path} [{result.operation_id or '-'}] {status} {state}"
    if errors or warnings:
        line += f" ({len(errors)} errors, {warnings} warnings)"
    if flow.error:
        log.warning(f"{line}; ended early: {redactor.text(flow.error.msg)}")
    else:
        log.info(line)
    if ctx.options.contract_policy != "pass":
        for v in result.violations:
            log.warning("  %s %s %s: %s", v.severity.value, v.code, v.pointer or "/", v.message)


def _path(url: str) -> str:
    """The path and query of a URL, as mitmproxy's `flow.request.path` gives them."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class Redact:
    """Takes secrets out of the exchange and its violations (a message may quote a value from a body) before
    they are recorded, reported or logged. This addon holds the option; the redaction runs with the check of
    the response (finish.py), wherever that runs.

    In mitmdump it also turns off mitmdump's own flow listing (`flow_detail`, its Dumper addon), which prints
    every URL as sent and from level 2 the headers and bodies: each flow has the check's redacted line instead.
    A level given on the command line is kept, with a warning."""

    def __init__(self, check: ContractCheck) -> None:
        self._check = check

    def load(self, loader: Any) -> None:
        loader.add_option(
            "contract_redact",
            Sequence[str],
            [],
            "Extra regular expressions to replace by REDACTED in recorded bodies, header values, URLs and printed"
            " lines (keys, bearer tokens, JWTs, organisation and project ids, cookies, secret headers and secret"
            " query and form parameters are always redacted).",
        )

    def configure(self, updated: set[str]) -> None:
        if "contract_redact" in updated:
            patterns = tuple(ctx.options.contract_redact)
            try:
                Redactor(patterns)
            except ValueError as e:
                raise exceptions.OptionsError(str(e)) from e
            self._check.update_settings(redact=patterns)

    def running(self) -> None:
        # `_options` is mitmproxy's own table (12.x): only it tells a level left at its default from one given.
        option = getattr(ctx.options, "_options", {}).get("flow_detail")
        if option is None or option.current() == 0:
            return  # no mitmdump (mitmweb, `assistants-contract proxy`), or its listing is off already
        if option.value is optmanager.unset:
            ctx.options.update(flow_detail=0)
            log.info(
                "assistants-contract: mitmdump's own flow listing is off, as it prints URLs unredacted; each flow"
                " gets a redacted line instead (--set flow_detail=1 shows the listing too)"
            )
        else:
            log.warning(
                "assistants-contract: flow_detail=%d: mitmdump's own flow listing prints %s unredacted",
                option.current(),
                "URLs" if option.current() == 1 else "URLs, headers and bodies",
            )


class Record:
    """Records each checked exchange (redacted) in a vcrpy cassette: one cassette per proxy session, named
    `<timestamp>.yaml` in `contract_record_dir`, growing as flows arrive. Flows that did not end with a whole
    response (upstream down, a stream cut off, blocked by us) are reported but not recorded: replay would
    present them as complete. This addon holds the options; the writing runs with the check of the response
    (finish.py), wherever that runs."""

    def __init__(self, check: ContractCheck) -> None:
        self._check = check

    def load(self, loader: Any) -> None:
        loader.add_option(
            "contract_record_dir",
            str | None,
            None,
            "Folder for vcrpy cassettes of the checked traffic (redacted). Unset: nothing is recorded.",
        )
        loader.add_option(
            "contract_record_origin",
            str | None,
            None,
            "Scheme, host and port to write in recorded URLs instead of the upstream's, e.g. https://api.openai.com,"
            " so a client with its default base URL replays the cassette.",
        )

    def configure(self, updated: set[str]) -> None:
        if "contract_record_origin" in updated:
            self._check.update_settings(record_origin=ctx.options.contract_record_origin)
        if "contract_record_dir" in updated:
            folder = ctx.options.contract_record_dir
            path = None
            if folder:
                path = Path(folder).expanduser()
                try:
                    path.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise exceptions.OptionsError(
                        f"cannot make the record folder {folder!r} (contract_record_dir): {e.strerror or e}"
                    ) from e
                name = time.strftime("%Y%m%d-%H%M%S") + f"-{int(time.time() * 1000) % 1000:03d}.yaml"
                path = path / name
            self._check.update_settings(record_path=path)


class Report:
    """Collects verdicts; at exit writes report.json, report.xml (JUnit) and report.html to
    `contract_report_dir`, then prints the coverage summary and where the reports and cassettes are.

    The files come before any line: a terminal that is gone (`proxy | tee log`, then Ctrl-C) must not cost
    them. A report that cannot be written, or interactions that never reached their cassette, are logged as
    errors and kept in `problems`, which `assistants-contract proxy` turns into exit status 2."""

    def __init__(self, check: ContractCheck) -> None:
        self._check = check
        self.summary: Summary | None = None
        self.problems: list[str] = []

    @property
    def redactor(self) -> Redactor:
        return self._check.redactor

    def load(self, loader: Any) -> None:
        loader.add_option(
            "contract_report_dir",
            str | None,
            None,
            "Folder for report.json, report.xml (JUnit) and report.html, written when the proxy stops.",
        )

    def configure(self, updated: set[str]) -> None:
        if "contract_report_dir" in updated and ctx.options.contract_report_dir:
            folder = ctx.options.contract_report_dir
            try:  # now, so that a folder that cannot be had stops the start, not the last step
                Path(folder).expanduser().mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise exceptions.OptionsError(
                    f"cannot make the report folder {folder!r} (contract_report_dir): {e.strerror or e}"
                ) from e

    def _summary(self) -> Summary | None:
        if self.summary is None and self._check.contract is not None:
            self.summary = Summary.for_contract(self._check.contract)
        return self.summary

    @_guarded
    def contract_checked(self, flow: http.HTTPFlow) -> None:
        verdict = _verdict(flow)
        summary = self._summary()
        if summary is not None and verdict is not None and verdict.exchange is not None and verdict.result:
            summary.add(verdict.exchange, verdict.result)

    def done(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        folder = Path(ctx.options.contract_report_dir).expanduser() if ctx.options.contract_report_dir else None
        written = False
        if folder is not None:
            try:
                write_reports(summary, folder)
                written = True
            except OSError as e:
                self.problems.append(f"could not write the reports to {folder}: {e.strerror or e}")
        log.info("\n" + text.render(summary, findings=False))
        for recorded in self._check.recorded:
            if recorded.written or recorded.lost:
                log.info("cassette: %s (%d interactions)", recorded.path, recorded.written)
            else:
                log.info("cassette: none in %s (no whole exchange to record)", recorded.path.parent)
            if recorded.lost:
                total = recorded.written + recorded.lost
                self.problems.append(
                    f"{recorded.lost} of {total} interactions were not recorded in {recorded.path}: {recorded.error}"
                )
        if written:
            log.info("reports: %s", " ".join(str(folder / name) for name in REPORT_NAMES))
        for problem in self.problems:
            log.error("assistants-contract: %s", problem)


class Mark:
    """In mitmweb, non-conforming flows get a red mark and their violations as the flow comment."""

    @_guarded
    def contract_checked(self, flow: http.HTTPFlow) -> None:
        verdict = _verdict(flow)
        if verdict is None or verdict.result is None or not verdict.result.violations:
            return
        if not verdict.result.ok:
            flow.marked = ":red_circle:"
        flow.comment = "\n".join(
            f"{v.severity.value} {v.code} {v.pointer or '/'}: {v.message}" for v in verdict.result.violations
        )
        if ctx.master.addons.get("view") is not None:  # mitmweb or mitmproxy: the flow is on screen, refresh it
            ctx.master.addons.trigger(hooks.UpdateHook([flow]))


def default_addons(contract: Contract | None = None) -> list[Any]:
    """The product, composed: the check, the addons whose options its response side uses, then the sinks of
    its verdicts. ContractCheck comes first: its `done` delivers the last verdicts before the sinks' own."""
    check = ContractCheck(contract)
    check.sinks = [Report(check), Mark()]
    return [check, Redact(check), Record(check), *check.sinks]
