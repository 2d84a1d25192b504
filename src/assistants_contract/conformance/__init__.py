"""The conformance suite: does a server behave as the Assistants API does? (`assistants-contract verify`)

    for event in verify(VerifyOptions("http://127.0.0.1:8000/v1")):
        ...

For each version it runs schemathesis over every operation (examples, coverage, fuzzing and stateful phases,
with the core as one of its checks) and the behaviour scenarios the schema cannot express; or, when given
cassettes, sends their requests again and compares the answers with the recorded ones (`cassettes.py`). Events go to
handlers (`execute`); `SummaryCollector` turns them into the `report.Summary` that the JSON, JUnit, HTML and
text sinks render. Nothing here prints unless a handler does.
"""

from .cassettes import IdMap, load_cassettes, run_cassettes
from .check import CHECK_NAME, ContractViolated, bundled_contract
from .events import (
    CheckRan,
    ExchangeChecked,
    StageFinished,
    StageStarted,
    VerifyAborted,
    VerifyEvent,
    VerifyFinished,
    VerifyStarted,
)
from .handlers import Progress, SummaryCollector
from .options import DEFAULT_MAX_EXAMPLES, DEFAULT_STAGES, Stage, VerifyOptions, normalize_base_url
from .property import PROPERTY_CHECKS, SCHEMATHESIS_CHECKS
from .runner import Handler, execute, probe, verify
from .scenarios import SCENARIOS

__all__ = [
    "CHECK_NAME",
    "CheckRan",
    "ContractViolated",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_STAGES",
    "ExchangeChecked",
    "Handler",
    "IdMap",
    "PROPERTY_CHECKS",
    "Progress",
    "SCENARIOS",
    "SCHEMATHESIS_CHECKS",
    "Stage",
    "StageFinished",
    "StageStarted",
    "SummaryCollector",
    "VerifyAborted",
    "VerifyEvent",
    "VerifyFinished",
    "VerifyOptions",
    "VerifyStarted",
    "bundled_contract",
    "execute",
    "load_cassettes",
    "normalize_base_url",
    "probe",
    "run_cassettes",
    "verify",
]
