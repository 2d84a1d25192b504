"""Errors the library raises. Few and flat; each subclasses a builtin so callers can catch broadly.

    ValueError
     ├── ContractError   a contract document is unreadable or inconsistent
     └── SourceError     an input file (cassette, HAR) cannot be read as exchanges

Findings about traffic are never exceptions: they are `Violation` values.
"""

from __future__ import annotations

__all__ = ["ContractError", "SourceError"]


class ContractError(ValueError):
    """A contract document cannot be used: unreadable, not YAML, not OpenAPI, or a schema that does not
    compile. The message starts with the file and says what is wrong where."""


class SourceError(ValueError):
    """An input file cannot be turned into exchanges. The message starts with the file name."""
