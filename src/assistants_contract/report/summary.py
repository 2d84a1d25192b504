"""What a run saw, gathered from check results: violations with their source, and coverage of the contract.

Traffic (the proxy, lint, replay) fills in exchanges, findings and coverage. A conformance run (`verify`) also fills
in `checks`: for every version, operation and check, how many times it passed and how it failed, so the sinks can
give a verdict per operation and check. A replay session also fills in `replay`: the requests it could not answer
from its cassettes and the recorded interactions no request had. Pure data; the JSON, text, JUnit and HTML sinks
render it, each from `redacted()`, so no secret reaches a report whoever filled the summary.

What it keeps grows with the findings, not with the exchanges: an exchange without one costs a count. So lint over a
long archive holds its findings and coverage only, and summaries of parts of a run (`merge`) add up to the one the
whole run would give. A finding also keeps its exchange (bodies and all), so a report can show what broke the
contract; only the first `SHOWN_EXCHANGES` exchanges with findings are kept, so the summary stays small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .._models import CheckResult, Exchange, Severity, Violation
from ..contract import Contract
from ..record.redact import Redactor

if TYPE_CHECKING:
    from ..migration.model import Migration

__all__ = [
    "CheckFailure",
    "CheckTally",
    "Finding",
    "OperationCoverage",
    "ReplayMiss",
    "ReplayTally",
    "Summary",
    "Unusable",
    "UnusedInteraction",
]

SHOWN_EXCHANGES = 200  # exchanges with findings whose request and response a summary keeps
# Bodies larger than this together are not kept: a report shows where a 20 MB body broke the contract, not the
# body (the cassette has it), and redacting and rendering it would hold up the end of a proxy session.
SHOWN_BODY_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation and the exchange it was found in: where (`source`, `index`), and the exchange itself when the
    summary kept it (see `SHOWN_EXCHANGES`)."""

    violation: Violation
    version: str
    source: str | None
    index: int | None
    method: str
    url: str
    status: int | None
    exchange: Exchange | None = None
    report: str | None = None  # the input report it came from, in a merged report


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """One failed check of a conformance run, with what a person needs to see it again.

    `check` names the check (a schemathesis check such as `ignored_auth`, `assistants_contract` for the core,
    or `scenario.<name>`); `violation` is the core's finding when the core judged it (its code and pointer);
    `reproduction` holds the requests to replay, as `curl` commands with secrets redacted.
    """

    version: str
    operation_id: str | None
    check: str
    message: str
    violation: Violation | None = None
    reproduction: str = ""
    seed: int | None = None
    method: str = ""
    url: str = ""
    status: int | None = None


@dataclass(slots=True)
class CheckTally:
    passed: int = 0
    failed: int = 0
    failures: list[CheckFailure] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReplayMiss:
    """A request a replay session had no recorded answer for. `code` is `no_recorded_interaction` (nothing recorded
    matches it) or `recorded_interactions_used_up` (a write sent more often than it was recorded); `message` names
    the closest recorded request and what differs."""

    method: str
    url: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Unusable:
    """An input file a run could not use (lint): the file, why (a sentence), and a stable code (`file.*`, see
    `sources/errors.py`). Its text is `"<file>: <reason>"`."""

    file: str
    reason: str
    code: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass(frozen=True, slots=True)
class UnusedInteraction:
    """A recorded interaction no request of a replay session had: where it is, and its request."""

    source: str | None
    index: int | None
    method: str
    url: str


@dataclass(slots=True)
class ReplayTally:
    """What a replay session did with its `interactions` from `cassettes`: of its `requests`, how many it answered
    from the recordings (`played`, and `repeated`: a read answered with its last recorded answer again), refused
    for breaking the contract (`refused`, with `--strict`) or could not answer (`misses`)."""

    cassettes: list[str]
    interactions: int
    requests: int = 0
    played: int = 0
    repeated: int = 0
    refused: int = 0
    misses: list[ReplayMiss] = field(default_factory=list)
    unused: list[UnusedInteraction] = field(default_factory=list)


@dataclass(slots=True)
class OperationCoverage:
    count: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class Summary:
    """Counts, findings and coverage for one run. `documented` lists, per version, every operation id with the
    status codes its contract documents, so coverage can show what was never exercised."""

    documented: Mapping[str, Mapping[str, tuple[str, ...]]]
    exchanges: int = 0
    findings: list[Finding] = field(default_factory=list)
    coverage: dict[str, dict[str, OperationCoverage]] = field(default_factory=dict)
    # Conformance runs only: (version, operation id or "", check) -> tally, and what the run was (target,
    # seed, versions, stages, case count, seconds), for the reports to say.
    checks: dict[tuple[str, str, str], CheckTally] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)
    replay: ReplayTally | None = None  # replay sessions only
    migration: Migration | None = None  # migration checks only (`migrate`)
    # The contract documents as loaded, by file name (`assistants-v2.yaml`): a report shows the schema node a
    # violation's `schema_location` names. Shared with the contract, never copied.
    contracts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    shown: int = 0  # exchanges kept with their findings, up to SHOWN_EXCHANGES
    unusable: list[Unusable] = field(default_factory=list)  # input files that could not be used (lint)

    @classmethod
    def for_contract(cls, contract: Contract, versions: Iterable[str] | None = None) -> Summary:
        """An empty summary for the contract's operations (of `versions` only, when given)."""
        wanted = set(versions) if versions is not None else set(contract.documents)
        documented = {
            version: {op_id: op.documented_statuses() for op_id, op in document.operations.items()}
            for version, document in contract.documents.items()
            if version in wanted
        }
        contracts = {d.name: d.document for v, d in contract.documents.items() if v in wanted}
        return cls(documented=documented, contracts=contracts)

    def _keep(self, exchange: Exchange) -> Exchange | None:
        if self.shown >= SHOWN_EXCHANGES:
            return None
        response_body = exchange.response.body if exchange.response is not None else None
        if len(exchange.request.body or b"") + len(response_body or b"") > SHOWN_BODY_BYTES:
            return None
        self.shown += 1
        return exchange

    def add(self, exchange: Exchange, result: CheckResult) -> None:
        self.exchanges += 1
        status = exchange.response.status if exchange.response is not None else None
        if result.operation_id is not None:
            seen = self.coverage.setdefault(result.version, {}).setdefault(result.operation_id, OperationCoverage())
            seen.count += 1
            if status is not None:
                seen.statuses[status] = seen.statuses.get(status, 0) + 1
        kept = self._keep(exchange) if result.violations else None
        for violation in result.violations:
            self.findings.append(
                Finding(
                    violation,
                    result.version,
                    exchange.source,
                    exchange.index,
                    exchange.request.method,
                    exchange.request.url,
                    status,
                    kept,
                )
            )

    def record_check(self, version: str, operation_id: str | None, check: str, failure: CheckFailure | None) -> None:
        """Count one run of a check; a failed one keeps its failure, once per kind: the same violation (code,
        pointer, schema rule) found again in another answer, or the same message again, only counts."""
        tally = self.checks.setdefault((version, operation_id or "", check), CheckTally())
        if failure is None:
            tally.passed += 1
            return
        tally.failed += 1
        if all(_kind(f) != _kind(failure) for f in tally.failures):
            tally.failures.append(failure)

    @property
    def failures(self) -> list[CheckFailure]:
        return [f for tally in self.checks.values() for f in tally.failures]

    def verdict(self, version: str, operation_id: str) -> str:
        """`fail`, `pass` or `untested` for one operation over every check that ran on it."""
        tallies = [t for (v, op, _), t in self.checks.items() if v == version and op == operation_id]
        if any(t.failed for t in tallies):
            return "fail"
        return "pass" if any(t.passed for t in tallies) else "untested"

    def redacted(self, redactor: Redactor | None = None) -> Summary:
        """A copy with every text a report shows passed through the redactor: the URLs, messages and pointers of
        findings and failures, the exchanges findings keep (headers, bodies, URLs), reproductions, and the run's
        target. The sinks render this one."""
        redactor = redactor or _REDACTOR
        done: dict[str, str] = {}  # the same URL and message come back many times

        def text(value: str) -> str:
            if not value:
                return value
            out = done.get(value)
            if out is None:
                out = done[value] = redactor.text(value)
            return out

        def violation(v: Violation | None) -> Violation | None:
            if v is None:
                return None
            message, pointer = text(v.message), text(v.pointer)
            return v if (message, pointer) == (v.message, v.pointer) else replace(v, message=message, pointer=pointer)

        exchanges: dict[int, Exchange] = {}  # an exchange's findings share it: redacted once

        def exchange(e: Exchange | None) -> Exchange | None:
            if e is None:
                return None
            out = exchanges.get(id(e))
            if out is None:
                out = exchanges[id(e)] = redactor.exchange(e)
            return out

        def finding(f: Finding) -> Finding:
            v, url, e = violation(f.violation), text(f.url), exchange(f.exchange)
            if v is f.violation and url == f.url and e is f.exchange:
                return f
            return replace(f, violation=v, url=url, exchange=e)

        def failure(f: CheckFailure) -> CheckFailure:
            v = violation(f.violation)
            message, reproduction, url = text(f.message), text(f.reproduction), text(f.url)
            if v is f.violation and (message, reproduction, url) == (f.message, f.reproduction, f.url):
                return f
            return replace(f, message=message, violation=v, reproduction=reproduction, url=url)

        findings = [finding(f) for f in self.findings]
        checks = {
            key: CheckTally(tally.passed, tally.failed, [failure(f) for f in tally.failures])
            for key, tally in self.checks.items()
        }
        run = dict(self.run)
        if isinstance(run.get("target"), str):
            run["target"] = text(run["target"])
        played = self.replay
        if played is not None:
            played = replace(
                played,
                misses=[replace(m, url=text(m.url), message=text(m.message)) for m in played.misses],
                unused=[replace(u, url=text(u.url)) for u in played.unused],
            )
        migration = self.migration.redacted(text) if self.migration is not None else None
        unusable = [replace(u, file=text(u.file), reason=text(u.reason)) for u in self.unusable]
        return replace(
            self, findings=findings, checks=checks, run=run, replay=played, migration=migration, unusable=unusable
        )

    def extend(self, pairs: Iterable[tuple[Exchange, CheckResult]]) -> Summary:
        for exchange, result in pairs:
            self.add(exchange, result)
        return self

    def merge(self, other: Summary) -> Summary:
        """Add the traffic another summary saw (exchanges, findings, coverage, unusable files) after this one's: the
        same as `add`ing its exchanges here in their order. A run split over files or processes merges their
        summaries in order and reports as one. Conformance checks and replay tallies do not merge."""
        if other.checks or other.replay is not None or other.migration is not None:
            raise ValueError(
                "only summaries of traffic merge: this one has conformance checks, a replay tally or a migration check"
            )
        self.exchanges += other.exchanges
        self.unusable.extend(other.unusable)
        last: Exchange | None = None
        kept: Exchange | None = None
        for f in other.findings:
            if f.exchange is not None:
                if f.exchange is not last:  # an exchange's findings come one after another
                    last, kept = f.exchange, self._keep(f.exchange)
                if kept is None:
                    f = replace(f, exchange=None)
            self.findings.append(f)
        for version, operations in other.coverage.items():
            mine = self.coverage.setdefault(version, {})
            for op_id, seen in operations.items():
                into = mine.setdefault(op_id, OperationCoverage())
                into.count += seen.count
                for status, n in seen.statuses.items():
                    into.statuses[status] = into.statuses.get(status, 0) + n
        return self

    @property
    def failed(self) -> bool:
        """Whether the run found anything a CI job should fail on: an error-level violation, a failed check, or a
        request a replay had no recorded answer for."""
        missed = self.replay is not None and bool(self.replay.misses)
        return bool(self.errors) or missed or any(t.failed for t in self.checks.values())

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.violation.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.violation.severity is Severity.WARNING)


_REDACTOR = Redactor()


def _kind(failure: CheckFailure) -> tuple[str | None, ...]:
    v = failure.violation
    return (v.code, v.pointer, v.schema_location) if v is not None else (failure.message,)
