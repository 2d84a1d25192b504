"""What a conformance run tells its handlers, in order. The run knows nothing about output: handlers (the
terminal, the report writers, the pytest plugin) subscribe to these.

    VerifyStarted
      StageStarted (version, stage)
        ExchangeChecked*   every response the server gave, judged by the core (coverage, findings)
        CheckRan*          one check on one operation: passed, or failed with a CheckFailure
      StageFinished
    VerifyFinished | VerifyAborted
"""

from __future__ import annotations

from dataclasses import dataclass

from .._models import CheckResult, Exchange
from ..report.summary import CheckFailure
from .options import Stage, VerifyOptions

__all__ = [
    "CheckRan",
    "ExchangeChecked",
    "StageFinished",
    "StageStarted",
    "VerifyAborted",
    "VerifyEvent",
    "VerifyFinished",
    "VerifyStarted",
]


@dataclass(frozen=True, slots=True)
class VerifyStarted:
    options: VerifyOptions


@dataclass(frozen=True, slots=True)
class StageStarted:
    version: str
    stage: Stage
    operations: int  # how many operations this stage will try


@dataclass(frozen=True, slots=True)
class ExchangeChecked:
    """A response from the server under test and what the core found in it (the response side only: the
    requests of a conformance run break the contract on purpose). Exchanges and messages are as sent, secrets
    included: the sinks redact what they write (`Summary.redacted`), as every output of the project does."""

    version: str
    exchange: Exchange
    result: CheckResult


@dataclass(frozen=True, slots=True)
class CheckRan:
    version: str
    operation_id: str | None
    check: str
    failure: CheckFailure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass(frozen=True, slots=True)
class StageFinished:
    version: str
    stage: Stage
    cases: int
    seconds: float


@dataclass(frozen=True, slots=True)
class VerifyFinished:
    cases: int
    seconds: float


@dataclass(frozen=True, slots=True)
class VerifyAborted:
    """The run could not test the server (unreachable, refused the key). `reason` is one line for a person."""

    reason: str


VerifyEvent = VerifyStarted | StageStarted | ExchangeChecked | CheckRan | StageFinished | VerifyFinished | VerifyAborted
