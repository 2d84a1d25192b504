"""The checking core as a schemathesis check: every response schemathesis gets is judged by the same core that
judges the proxy's traffic, the cassettes and the reference server's own answers.

Importing this module registers `assistants_contract` with schemathesis (its registry is global, keyed by the
function's name). The check places the exchange in the contract itself, from the request's `OpenAI-Beta`
header, method and path; a request no operation matches is not its business and passes.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import schemathesis
from schemathesis.core.failures import Failure, Severity

from .._models import CheckResult, Exchange, Violation
from .._models import Severity as ViolationSeverity
from ..contract import Contract
from ..report.summary import CheckFailure
from ..sources.schemathesis_response import exchange_from_response

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, Response

__all__ = [
    "CHECK_NAME",
    "ContractViolated",
    "assistants_contract",
    "bundled_contract",
    "judge_response",
    "violation_failure",
]

CHECK_NAME = "assistants_contract"


@functools.cache
def bundled_contract() -> Contract:
    """The bundled contract, compiled once per process (checks run on schemathesis' worker threads)."""
    return Contract.load()


class ContractViolated(Failure):
    """The response breaks the contract: `violations` are the core's findings, each with code and pointer."""

    kind_title = "Contract violation"

    def __init__(self, *, operation: str, violations: list[Violation], case_id: str | None = None) -> None:
        self.violations = violations
        lines = [v.described for v in violations]
        super().__init__(
            operation=operation,
            title=f"{violations[0].code}" + (f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""),
            message="\n".join(lines),
            case_id=case_id,
            severity=Severity.HIGH,
        )

    @property
    def _unique_key(self) -> str:
        # schemathesis keeps one failure per operation and key: one per set of codes and pointers.
        return " ".join(sorted(f"{v.code}{v.pointer}" for v in self.violations))


def judge_response(contract: Contract, exchange: Exchange) -> CheckResult:
    """The core's verdict on the server's side of an exchange. The request side is left out: a conformance
    run breaks the contract in its requests on purpose, to see them refused."""
    match = contract.match(exchange.request)
    found = contract.check_response(match, exchange.response) if exchange.response is not None else []
    return CheckResult(match.version, match.operation_id, found)


def violation_failure(
    version: str,
    operation_id: str | None,
    violation: Violation,
    *,
    reproduction: str,
    seed: int,
    method: str,
    url: str,
    status: int | None,
) -> CheckFailure:
    """The failure of the `assistants_contract` check that one violation of the core makes."""
    return CheckFailure(
        version=version,
        operation_id=operation_id,
        check=CHECK_NAME,
        message=violation.described,
        violation=violation,
        reproduction=reproduction,
        seed=seed,
        method=method,
        url=url,
        status=status,
    )


@schemathesis.check
def assistants_contract(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    result = judge_response(bundled_contract(), exchange_from_response(response))
    if result.operation_id is None:
        return None
    errors = [v for v in result.violations if v.severity is ViolationSeverity.ERROR]
    if errors:
        raise ContractViolated(operation=case.operation.label, violations=errors, case_id=case.id)
    return True
