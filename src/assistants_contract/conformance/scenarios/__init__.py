"""The behaviour scenarios and the stage that runs them (see `base.py` for how a scenario is written).

Each scenario runs once per version it applies to. Its traffic is judged by the core like schemathesis' (the
`assistants_contract` check, and coverage); its own verdict is the check `scenario.<name>`, counted for every
operation it vouches for when it passes, and against the operation whose answer broke it when it fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from ..._models import Exchange, Severity
from ...contract import Contract
from ...record.redact import Redactor
from ...report.summary import CheckFailure
from ..check import CHECK_NAME, judge_response, violation_failure
from ..events import CheckRan, ExchangeChecked, StageFinished, StageStarted, VerifyEvent
from ..options import Stage, VerifyOptions
from . import files, lifecycle, pagination, protocol, runs, streaming  # noqa: F401 - they register scenarios
from .base import SCENARIOS, Scenario, ScenarioContext, ScenarioFailed
from .client import Api, curl

__all__ = ["SCENARIOS", "Scenario", "run_scenarios"]

# How many of a failed scenario's requests its reproduction shows (the last ones, which led to the failure).
_REPRODUCTION_STEPS = 12


def run_scenarios(options: VerifyOptions, version: str, contract: Contract) -> Iterator[VerifyEvent]:
    chosen = [
        s
        for s in SCENARIOS.values()
        if version in s.versions and (options.scenarios is None or s.name in options.scenarios)
    ]
    if not chosen:
        return
    yield StageStarted(version, Stage.SCENARIOS, len({op for s in chosen for op in s.operations}))
    started = time.monotonic()
    redactor = Redactor()
    cases = 0
    for item in chosen:
        api = Api(options.base_url, version, options.api_key, contract, options.request_timeout)
        failure = _run_one(item, api, version, redactor, options.seed)
        cases += len(api.history)
        for reply in api.history:
            yield from _judged(contract, version, reply.exchange, reply.operation_id, redactor, options.seed)
        if failure is None:
            for operation_id in item.operations:
                yield CheckRan(version, operation_id, item.check)
        else:
            yield CheckRan(version, failure.operation_id, item.check, failure)
    yield StageFinished(version, Stage.SCENARIOS, cases, time.monotonic() - started)


def _run_one(item: Scenario, api: Api, version: str, redactor: Redactor, seed: int) -> CheckFailure | None:
    operation_id: str | None = item.operations[0] if item.operations else None
    last: Exchange | None = None
    try:
        with api:
            item.run(ScenarioContext(api))
        return None
    except ScenarioFailed as e:
        message = e.message
        operation_id = e.operation_id or operation_id
        last = e.reply.exchange if e.reply is not None else None
    except httpx.HTTPError as e:
        message = f"the server did not answer: {type(e).__name__}: {e}"
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as e:
        # A scenario reads fields of the server's answers; an answer without them lands here.
        message = f"the server's answers could not be followed ({type(e).__name__}: {e})"
    steps = [reply.exchange for reply in api.history[-_REPRODUCTION_STEPS:]]
    last = last or (steps[-1] if steps else None)
    response = last.response if last is not None else None
    return CheckFailure(
        version=version,
        operation_id=operation_id,
        check=item.check,
        message=redactor.text(f"{item.doc}: {message}"),
        reproduction="\n".join(curl(e, redactor) for e in steps),
        seed=seed,
        method=last.request.method if last is not None else "",
        url=redactor.url(last.request.url) if last is not None else "",
        status=response.status if response is not None else None,
    )


def _judged(
    contract: Contract, version: str, exchange: Exchange, operation_id: str | None, redactor: Redactor, seed: int
) -> Iterator[VerifyEvent]:
    result = judge_response(contract, exchange)
    yield ExchangeChecked(version, exchange, result)
    if operation_id is None:
        return
    errors = [v for v in result.violations if v.severity is Severity.ERROR]
    if not errors:
        yield CheckRan(version, operation_id, CHECK_NAME)
    status = exchange.response.status if exchange.response else None
    for violation in errors:
        failure = violation_failure(
            version,
            operation_id,
            violation,
            reproduction=curl(exchange, redactor),
            seed=seed,
            method=exchange.request.method,
            url=exchange.request.url,
            status=status,
        )
        yield CheckRan(version, operation_id, CHECK_NAME, failure)
