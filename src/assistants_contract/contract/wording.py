"""Schema errors in words a person can act on.

jsonschema_rs's own messages quote whole values and, for `oneOf` and `not`, dump raw JSON Schema
(`{"required":[...]} is not allowed for {...}`). `describe` says instead what is wrong and what the contract
wants, from the error's kind (its keyword and parameters). A message never names its pointer: every report
prints the pointer beside it.

Only failing instances get here, so the happy path pays nothing for the words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["describe", "json_type", "shown"]

Resolve = Callable[[Any], Any]

_TYPE_NAMES = {
    "null": "null",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "array": "an array",
    "object": "an object",
}
_FORMAT_NAMES = {
    "uri": "a URI",
    "uri-reference": "a URI reference",
    "url": "a URL",
    "date-time": "an RFC 3339 date-time",
    "date": "a date (YYYY-MM-DD)",
    "time": "a time",
    "email": "an email address",
    "uuid": "a UUID",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
    "hostname": "a host name",
    "regex": "a regular expression",
}
_SHOWN_CHARS = 40  # of a string value quoted in a message: enough to recognise it, short enough for one line
_LISTED = 10  # enum values named before "or N more"
_DEPTH = 4  # nested unions followed when naming a union's alternatives
_MESSAGE_LIMIT = 300


def json_type(value: Any) -> str:
    """`"x"` -> `a string`, `None` -> `null`: the JSON type of a value, as a phrase."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def shown(value: Any, *, whole: bool = False) -> str:
    """A value as a message quotes it: scalars as written, arrays and objects by type only, so that a message
    never carries a dump. A string sent is shortened; a string the contract expects is kept `whole`."""
    if isinstance(value, str):
        text = value if whole or len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 3] + "..."
        return f"'{text}'"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    return json_type(value)


def expected(value: Any) -> str:
    """A value the contract asks for, quoted in full."""
    return shown(value, whole=True)


def describe(error: Any, parent: Any = None, resolve: Resolve | None = None) -> str:
    """The words for one jsonschema_rs `ValidationError`. `parent` is the schema object that holds the failing
    keyword (for unions, to name the alternatives); `resolve` follows a `$ref` in it."""
    kind = error.kind
    words = _WORDS.get(type(kind).__name__)
    if words is None:
        return _shorten(error.message)
    text = words(kind, error.instance, parent if isinstance(parent, dict) else {}, resolve or (lambda s: s))
    return _shorten(text)


# --- one function per keyword --------------------------------------------------------------------------------


def _type(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    types = list(kind.types)
    got = json_type(instance)
    if isinstance(instance, float) and "integer" in types:
        got = f"a number with a fraction ({instance!r})"
    return f"expected {_either(_type_phrases(types))}, got {got}"


def _enum(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    options = list(kind.options)
    if len(options) == 1:
        return f"expected {expected(options[0])}; got {shown(instance)}"
    return f"expected one of {_listed(options)}; got {shown(instance)}"


def _const(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return f"expected {expected(kind.expected_value)}; got {shown(instance)}"


def _required(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return f"'{kind.property}' is required"


def _additional(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    names = ", ".join(f"'{name}'" for name in kind.unexpected)
    return f"unknown argument {names}" if len(kind.unexpected) == 1 else f"unknown arguments {names}"


def _bound(word: str) -> Callable[[Any, Any, dict, Resolve], str]:
    def words(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
        return f"expected {word} {_number(kind.limit)}, got {shown(instance)}"

    return words


def _counted(word: str, unit: str, size: Callable[[Any], int]) -> Callable[[Any, Any, dict, Resolve], str]:
    def words(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
        return f"expected {word} {_count(kind.limit, unit)}, got {size(instance)}"

    return words


def _pattern(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return f"expected text matching the pattern {kind.pattern}, got {shown(instance)}"


def _format(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    wanted = _FORMAT_NAMES.get(kind.format, f"a string in the {kind.format} format")
    return f"expected {wanted}, got {shown(instance)}"


def _multiple_of(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return f"expected a multiple of {_number(kind.multiple_of)}, got {shown(instance)}"


def _unique(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return "expected every item to be different; some repeat"


def _contains(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return "no item is of the kind the contract requires this array to hold"


def _false(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return "nothing may be given here"


def _additional_items(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return f"expected at most {_count(kind.limit, 'item')}, got {len(instance) if isinstance(instance, list) else 0}"


def _unevaluated_items(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    return f"items the contract does not describe at {', '.join(str(i) for i in kind.unexpected)}"


def _property_names(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    inner = kind.error
    return f"the key {shown(inner.instance)} is not allowed ({describe(inner)})"


def _union(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    """No alternative of a `oneOf` / `anyOf` fits: name the alternatives."""
    branches = _branches(parent, resolve)
    keys = _required_sets(branches)
    if keys is not None:
        return f"give one of {_keys_either(keys)}"
    phrases = _alternatives(branches, resolve, _DEPTH)
    if phrases is None:
        return f"fits none of the {len(branches) or 'several'} forms the contract allows here; got {shown(instance)}"
    wanted = _either(phrases)
    # a semicolon only where the list has commas of its own, as with enums
    return f"expected {wanted}{';' if ',' in wanted else ','} got {shown(instance)}"


def _one_of_many(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    """More than one alternative of a `oneOf` fits."""
    branches = _branches(parent, resolve)
    keys = _required_sets(branches)
    if keys is not None:
        fitting = [names for names, errors in zip(keys, kind.context, strict=False) if not errors]
        return f"give only one of {_keys_either(fitting if len(fitting) > 1 else keys)}"
    count = sum(1 for errors in kind.context if not errors)
    return f"fits {count} of the forms the contract allows here; it must fit exactly one"


def _not(kind: Any, instance: Any, parent: dict, resolve: Resolve) -> str:
    """Say what must not be given, from the schema under `not`."""
    schema = resolve(kind.schema)
    if not isinstance(schema, dict):
        return "nothing may be given here"
    required = schema.get("required")
    if isinstance(required, list) and required and set(schema) <= {"required", "description"}:
        if len(required) == 1:
            return f"'{required[0]}' must not be given"
        if len(required) == 2:
            return f"give only one of {required[0]} or {required[1]}"
        return f"do not give {_and(required)} together"
    if "const" in schema:
        return f"must not be {expected(schema['const'])}"
    if isinstance(schema.get("enum"), list):
        return f"must not be {_either([expected(v) for v in schema['enum']])}"
    if "type" in schema and len(schema) == 1:
        declared = schema["type"]
        return f"must not be {_either(_type_phrases(declared if isinstance(declared, list) else [declared]))}"
    return f"{json_type(instance)} of a form the contract rules out here"


_WORDS: dict[str, Callable[[Any, Any, dict, Resolve], str]] = {
    "Type": _type,
    "Enum": _enum,
    "Constant": _const,
    "Required": _required,
    "AdditionalProperties": _additional,
    "UnevaluatedProperties": _additional,
    "Minimum": _bound("at least"),
    "Maximum": _bound("at most"),
    "ExclusiveMinimum": _bound("more than"),
    "ExclusiveMaximum": _bound("less than"),
    "MinLength": _counted("at least", "character", lambda v: len(v) if isinstance(v, str) else 0),
    "MaxLength": _counted("at most", "character", lambda v: len(v) if isinstance(v, str) else 0),
    "MinItems": _counted("at least", "item", lambda v: len(v) if isinstance(v, list) else 0),
    "MaxItems": _counted("at most", "item", lambda v: len(v) if isinstance(v, list) else 0),
    "MinProperties": _counted("at least", "key", lambda v: len(v) if isinstance(v, dict) else 0),
    "MaxProperties": _counted("at most", "key", lambda v: len(v) if isinstance(v, dict) else 0),
    "Pattern": _pattern,
    "Format": _format,
    "MultipleOf": _multiple_of,
    "UniqueItems": _unique,
    "Contains": _contains,
    "FalseSchema": _false,
    "AdditionalItems": _additional_items,
    "UnevaluatedItems": _unevaluated_items,
    "PropertyNames": _property_names,
    "AnyOf": _union,
    "OneOfNotValid": _union,
    "OneOfMultipleValid": _one_of_many,
    "Not": _not,
    "ContentEncoding": lambda kind, *_: f"expected content encoded as {kind.content_encoding}",
    "ContentMediaType": lambda kind, *_: f"expected content of media type {kind.content_media_type}",
    "FromUtf8": lambda kind, *_: "the decoded content is not UTF-8 text",
    "BacktrackLimitExceeded": lambda kind, *_: "the value is too costly to match against the contract's pattern",
    "RegexEngineFailure": lambda kind, *_: "the contract's pattern could not be matched against the value",
    "Custom": lambda kind, *_: str(kind.message),
}


# --- naming a union's alternatives ---------------------------------------------------------------------------


def _branches(parent: dict, resolve: Resolve) -> list[Any]:
    found = parent.get("oneOf") or parent.get("anyOf") or []
    return [resolve(b) for b in found] if isinstance(found, list) else []


def _required_sets(branches: list[Any]) -> list[list[str]] | None:
    """For alternatives that differ only in which keys they require (`oneOf: [{required: [a]}, {required:
    [b]}]`), the keys that tell each apart; None for any other union."""
    if len(branches) < 2:
        return None
    sets = []
    for branch in branches:
        if not isinstance(branch, dict) or not set(branch) <= {"required", "description", "title"}:
            return None
        required = branch.get("required")
        if not isinstance(required, list) or not required:
            return None
        sets.append(required)
    shared = set.intersection(*(set(s) for s in sets))
    distinct = [[name for name in s if name not in shared] for s in sets]
    return distinct if all(distinct) else None


def _alternatives(branches: list[Any], resolve: Resolve, depth: int) -> list[str] | None:
    """Each alternative as a phrase (`'auto'`, `an object`, `null`), without repeats; None if one of them cannot
    be put in a few words."""
    phrases: list[str] = []
    for branch in branches:
        found = _phrases(resolve(branch), resolve, depth)
        if found is None:
            return None
        phrases.extend(p for p in found if p not in phrases)
    return phrases or None


def _phrases(schema: Any, resolve: Resolve, depth: int) -> list[str] | None:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return [expected(schema["const"])]
    if isinstance(schema.get("enum"), list):
        return [expected(v) for v in schema["enum"]]
    declared = schema.get("type")
    if declared is not None:
        return _type_phrases(declared if isinstance(declared, list) else [declared])
    if depth > 0:
        branches = _branches(schema, resolve)
        if branches:
            return _alternatives(branches, resolve, depth - 1)
    return None


# --- small helpers -------------------------------------------------------------------------------------------


def _type_phrases(types: list[str]) -> list[str]:
    # null last: "a string or null" reads better than "null or a string"
    ordered = [t for t in types if t != "null"] + [t for t in types if t == "null"]
    return [_TYPE_NAMES.get(t, t) for t in ordered]


def _either(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _and(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1]


def _keys_either(sets: list[list[str]]) -> str:
    return _either([" and ".join(names) for names in sets])


def _listed(options: list[Any]) -> str:
    named = ", ".join(expected(v) for v in options[:_LISTED])
    more = len(options) - _LISTED
    return named + (f" or {more} more" if more > 0 else "")


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _count(limit: Any, unit: str) -> str:
    return f"{limit} {unit}" + ("" if limit == 1 else "s")


def _shorten(message: str) -> str:
    if len(message) <= _MESSAGE_LIMIT:
        return message
    return message[: _MESSAGE_LIMIT - 20] + " ... (shortened)"
