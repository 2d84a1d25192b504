"""The checking core: contract documents loaded once, exchanges checked into violations. No adapter code."""

from .codes import CODES
from .document import ContractDocument, Operation
from .engine import VERSIONS, Contract, StreamCheck

__all__ = ["CODES", "Contract", "ContractDocument", "Operation", "StreamCheck", "VERSIONS"]
