"""The reference server's log: one line per request mock mode answered in spite of the contract, a line per
stream event sent (debug) and one when a stream stops because its client went away."""

from __future__ import annotations

import logging
import sys

__all__ = ["log", "log_to_stderr"]

log = logging.getLogger("assistants_contract.server")


def log_to_stderr(level: int = logging.INFO) -> None:
    """For `serve`: the lines at `level` and above to stderr, as they are (they are redacted where made)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
