"""assistants-contract: contract testing for the OpenAI Assistants API (v1 and v2)."""

from ._exceptions import ContractError, SourceError
from ._models import CheckResult, Exchange, Headers, Request, Response, Severity, Side, Violation
from .contract import CODES, VERSIONS, Contract, StreamCheck

__version__ = "0.1.0"

__all__ = [
    "CODES",
    "CheckResult",
    "Contract",
    "ContractError",
    "Exchange",
    "Headers",
    "Request",
    "Response",
    "Severity",
    "Side",
    "SourceError",
    "StreamCheck",
    "VERSIONS",
    "Violation",
]
