"""The property-based stages: schemathesis, through its Python API, over every operation of one version.

schemathesis generates the cases (examples, coverage and fuzzing phases, positive and negative data, and the
stateful phase along the contract's links), sends them and runs its checks. Its checks that apply to this API
run as they are; the body of every response is judged by the core (`check.assistants_contract`), so a wrong
response carries a violation code and a JSON pointer. Its events are turned into ours here; nothing here
prints.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.run import PhaseName

from ..contract import Contract
from ..report.summary import CheckFailure
from ..sources.schemathesis_response import exchange_from_response
from .check import CHECK_NAME, judge_response, violation_failure  # importing it registers the core's check
from .events import CheckRan, ExchangeChecked, StageFinished, StageStarted, VerifyEvent
from .options import Stage, VerifyOptions

__all__ = ["PROPERTY_CHECKS", "SCHEMATHESIS_CHECKS", "VerifyCannotRun", "run_schemathesis"]

# The schemathesis checks a conformance run uses, besides the core's. Left out: response_schema_conformance
# (the core judges bodies, so there is one judgement and it carries our codes), unsupported_method (it wants
# 405 for an undocumented method; the API's answer there is not documented, and the reference server's 405 is
# a choice), allow_header_conformance (OPTIONS is not part of the API), object_level_authorization (needs
# two identities), max_response_time (no budget is part of the contract).
SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)
PROPERTY_CHECKS = (*SCHEMATHESIS_CHECKS, CHECK_NAME)
_OFF = ("response_schema_conformance", "unsupported_method", "allow_header_conformance", "object_level_authorization")
_PHASES = {
    PhaseName.EXAMPLES: Stage.EXAMPLES,
    PhaseName.COVERAGE: Stage.COVERAGE,
    PhaseName.FUZZING: Stage.FUZZING,
    PhaseName.STATEFUL_TESTING: Stage.STATEFUL,
}
# Streams are judged whole, so schemathesis must read all of a run's events (it stops at 20 by default).
_MAX_STREAM_EVENTS = 100_000
# Verdicts of schemathesis heuristics that do not fit what these operations mean, so they are not counted
# (check, operation). The scenarios check the behaviour itself.
# - A body that names an assistant: a generated `assistant_id` names none, and the API answers 404 No assistant
#   found. ensure_resource_availability takes that 404 (after the thread was made) for the new thread going
#   missing.
# - v1 assistant files are named by the client (the id of an uploaded file): the same id attached again, by
#   createAssistantFile or modifyAssistant's `file_ids`, is there again after a delete. use_after_free takes the
#   GET that then finds it for a deleted resource still being served.
# (Not as per-operation config: in schemathesis 4.32 an `operations` entry in the config stops
# `schema.include()` from narrowing the operations, which the pytest plugin relies on.)
_NOT_JUDGED = {
    ("ensure_resource_availability", "createRun"),
    ("ensure_resource_availability", "createThreadAndRun"),
    ("use_after_free", "getAssistantFile"),
}


class VerifyCannotRun(RuntimeError):
    """schemathesis could not test the server at all (a fatal engine error); the message says why."""


def schemathesis_config(options: VerifyOptions, version: str) -> SchemathesisConfig:
    stages = set(options.stages)
    return SchemathesisConfig.from_dict(
        {
            "seed": options.seed,
            "color": False,
            "base-url": options.base_url,
            "headers": {"OpenAI-Beta": f"assistants={version}", "Authorization": f"Bearer {options.api_key}"},
            "workers": options.workers,
            "request-timeout": options.request_timeout,
            "max-stream-events": _MAX_STREAM_EVENTS,
            # No example database: a run must not leave a `.hypothesis/` folder in the user's directory, and
            # the same seed must give the same cases whatever ran before.
            "generation": {"max-examples": options.max_examples, "database": "none"},
            "phases": {phase.value: {"enabled": stage in stages} for phase, stage in _PHASES.items()},
            "checks": {name: {"enabled": False} for name in _OFF},
        }
    )


def run_schemathesis(options: VerifyOptions, version: str, contract: Contract) -> Iterator[VerifyEvent]:
    """Run the chosen schemathesis phases against one version and yield our events."""
    document = contract.documents[version]
    labels = {f"{op.method} {op.path}": op.operation_id for op in document.operations.values()}
    schema = schemathesis.openapi.from_dict(
        copy.deepcopy(dict(document.document)), config=schemathesis_config(options, version)
    )
    if options.operations is not None:
        wanted = [op for op in options.operations if op in document.operations]
        if not wanted:
            return
        schema = schema.include(operation_id=wanted)
        labels = {label: op for label, op in labels.items() if op in wanted}
    translate = _Translator(options, version, contract, labels)
    started: dict[Stage, float] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.phase.name in _PHASES:
            stage = _PHASES[event.phase.name]
            if stage in options.stages:
                started[stage] = time.monotonic()
                translate.cases = 0
                yield StageStarted(version, stage, len(labels))
        elif isinstance(event, events.PhaseFinished) and event.phase.name in _PHASES:
            stage = _PHASES[event.phase.name]
            if stage in started:
                yield StageFinished(version, stage, translate.cases, time.monotonic() - started.pop(stage))
        elif isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            yield from translate.scenario(event)
        elif isinstance(event, events.NonFatalError):
            yield translate.error(event)
        elif isinstance(event, events.FatalError):
            raise VerifyCannotRun(f"schemathesis stopped: {event.exception}") from event.exception


class _Translator:
    """schemathesis' recorded scenarios into our events: every response judged by the core (for coverage and
    findings) and every check run counted per operation."""

    def __init__(self, options: VerifyOptions, version: str, contract: Contract, labels: dict[str, str]) -> None:
        self.options = options
        self.version = version
        self.contract = contract
        self.labels = labels
        self.cases = 0

    def scenario(self, event: events.ScenarioFinished) -> Iterator[VerifyEvent]:
        recorder = event.recorder
        for interaction in recorder.interactions.values():
            if interaction.response is None:
                continue
            self.cases += 1
            exchange = exchange_from_response(interaction.response)
            yield ExchangeChecked(self.version, exchange, judge_response(self.contract, exchange))
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            operation_id = self._operation_id(node.value) if node is not None else None
            for check in nodes:
                if (check.name, operation_id) in _NOT_JUDGED:
                    continue
                if check.status == Status.SUCCESS:
                    yield CheckRan(self.version, operation_id, check.name)
                elif check.status == Status.FAILURE and check.failure_info is not None:
                    yield from self._failures(recorder, case_id, operation_id, check)

    def _failures(self, recorder: Any, case_id: str, operation_id: str | None, check: Any) -> Iterator[CheckRan]:
        info = check.failure_info
        failure = info.failure
        failing_id = failure.case_id or case_id
        operation_id = self.labels.get(failure.operation or "", operation_id)
        reproduction = "\n".join(step.curl for step in info.steps) if info.steps else info.code_sample
        interaction = recorder.interactions.get(failing_id)
        method, url, status = "", "", None
        if interaction is not None:
            method, url = interaction.request.method, interaction.request.uri
            status = interaction.response.status_code if interaction.response is not None else None
        where = {
            "reproduction": reproduction,
            "seed": self.options.seed,
            "method": method,
            "url": url,
            "status": status,
        }
        violations = getattr(failure, "violations", None)  # the core's, when the check is ours
        if violations:
            for violation in violations:
                yield CheckRan(
                    self.version,
                    operation_id,
                    check.name,
                    violation_failure(self.version, operation_id, violation, **where),
                )
            return
        message = f"{failure.title}: {failure.message}".strip().rstrip(":")
        other = CheckFailure(self.version, operation_id, check.name, message, **where)
        yield CheckRan(self.version, operation_id, check.name, other)

    def error(self, event: events.NonFatalError) -> CheckRan:
        """An error schemathesis met while testing an operation (the connection dropped, a timeout): a failure
        of that operation, since a conforming server answers every request."""
        operation_id = self.labels.get(event.label)
        message = f"{event.info.title}: {event.info.message}"
        failure = CheckFailure(
            version=self.version,
            operation_id=operation_id,
            check="request_error",
            message=message,
            reproduction=event.info.code_sample or "",
            seed=self.options.seed,
        )
        return CheckRan(self.version, operation_id, "request_error", failure)

    def _operation_id(self, case: Any) -> str | None:
        return self.labels.get(case.operation.label)
