"""What a run saw, gathered from check results: violations with their source, and coverage of the contract.

Pure data; the JSON, text (and later JUnit/HTML) sinks render it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .._models import CheckResult, Exchange, Severity, Violation
from ..contract import Contract

__all__ = ["Finding", "OperationCoverage", "Summary"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation and the exchange it was found in."""

    violation: Violation
    version: str
    source: str | None
    index: int | None
    method: str
    url: str
    status: int | None


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

    @classmethod
    def for_contract(cls, contract: Contract) -> Summary:
        documented = {
            version: {op_id: op.documented_statuses() for op_id, op in document.operations.items()}
            for version, document in contract.documents.items()
        }
        return cls(documented=documented)

    def add(self, exchange: Exchange, result: CheckResult) -> None:
        self.exchanges += 1
        status = exchange.response.status if exchange.response is not None else None
        if result.operation_id is not None:
            seen = self.coverage.setdefault(result.version, {}).setdefault(result.operation_id, OperationCoverage())
            seen.count += 1
            if status is not None:
                seen.statuses[status] = seen.statuses.get(status, 0) + 1
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
                )
            )

    def extend(self, pairs: Iterable[tuple[Exchange, CheckResult]]) -> Summary:
        for exchange, result in pairs:
            self.add(exchange, result)
        return self

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.violation.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.violation.severity is Severity.WARNING)
