"""Why a file cannot be used, as a stable code and a sentence.

Every reader raises `UnusableFile` (a `SourceError`, so callers that catch that still do) with one of the codes
below; lint reports the file with them and goes on with the other files.
"""

from __future__ import annotations

from typing import Any

from .._exceptions import SourceError

__all__ = [
    "ALIASES",
    "CODES",
    "INTERNAL",
    "MALFORMED",
    "MISSING",
    "NONE_FOUND",
    "NOT_CASSETTE",
    "NOT_HAR",
    "NOT_JSON",
    "NOT_YAML",
    "TOO_DEEP",
    "TOO_LARGE",
    "UNREADABLE",
    "UnusableFile",
    "YAML_TAG",
    "kind_of",
]

MISSING = "file.missing"  # no such file or folder
NONE_FOUND = "file.none_found"  # a folder holding no cassette or HAR file
UNREADABLE = "file.unreadable"  # not a regular file, an OS error, not UTF-8
TOO_LARGE = "file.too_large"  # past `limits.MAX_FILE_BYTES`
NOT_JSON = "file.not_json"  # starts as JSON and is not
NOT_YAML = "file.not_yaml"  # not YAML
YAML_TAG = "file.yaml_tag"  # a YAML tag a safe loader does not construct (`!!python/object/new:...`)
ALIASES = "file.yaml_aliases"  # aliases past `limits.MAX_ALIASES` / `MAX_ALIAS_NODES`, or one inside itself
TOO_DEEP = "file.too_deep"  # nested past `limits.MAX_NESTING`
NOT_CASSETTE = "file.not_cassette"  # YAML or JSON, but not a vcrpy cassette (format version 1)
NOT_HAR = "file.not_har"  # a JSON object with `log`, but not HAR
MALFORMED = "file.malformed"  # an interaction or HAR entry with a missing or wrongly typed field
INTERNAL = "file.internal_error"  # lint itself failed on the file: a bug to report

CODES = (MISSING, NONE_FOUND, UNREADABLE, TOO_LARGE, NOT_JSON, NOT_YAML, YAML_TAG, ALIASES, TOO_DEEP, NOT_CASSETTE)
CODES += (NOT_HAR, MALFORMED, INTERNAL)


class UnusableFile(SourceError):
    """A file that cannot be read as exchanges: `source` (the file), `code` (above) and `reason` (a sentence
    without the file name). Its text is `"<source>: <reason>"`, as every `SourceError`'s."""

    def __init__(self, source: str, code: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.code = code
        self.reason = reason


def kind_of(value: Any) -> str:
    """What a value read from a file is, in words: `null`, `a number`, `a list`, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str | bytes):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"
