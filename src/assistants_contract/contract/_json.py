"""JSON parsing for the checks: orjson's speed, the standard library's leniency and messages.

Parsing is most of the cost of checking a large body (a 48 KB message list: 0.12 ms with orjson, 0.30 ms with
`json`), and the proxy pays it on every flow. orjson is strict RFC 8259, while `json` also takes NaN, Infinity,
lone surrogate escapes and UTF-16 bytes; so whatever orjson refuses goes to `json`, which either accepts it or
raises its usual error. One difference remains: orjson reads an integer beyond 64 bits as a float. JSON Schema
counts an integral float as an integer, so no check of ours tells the two apart.

Nesting is where the two parsers part ways too: orjson stops at 1024 levels and `json` runs out of stack a little
later. Either way the caller gets `TooDeep`, a ValueError, never a RecursionError.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["loads", "TooDeep", "MAX_DEPTH", "too_deep"]

# JSON Schema validation (jsonschema_rs) gives up at 256 levels; no real body of this API comes near either.
MAX_DEPTH = 200


class TooDeep(ValueError):
    """The JSON nests deeper than can be parsed or judged."""


def loads(data: bytes | str) -> Any:
    """Parse JSON text; raises `json.JSONDecodeError` (a ValueError) with the standard library's message, or
    `TooDeep`."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            return json.loads(data)
        except RecursionError:
            raise TooDeep("nested too deeply to parse") from None


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether parsed JSON nests more than `limit` arrays and objects (iterative: no stack to run out of)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
