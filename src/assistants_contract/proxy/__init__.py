"""The validating, recording proxy: mitmproxy addons (`addons.py`) and the runner behind
`assistants-contract proxy` (`runner.py`)."""

from .addons import ContractCheck, Mark, Record, Redact, Report, default_addons

__all__ = ["ContractCheck", "Mark", "Record", "Redact", "Report", "default_addons"]
