"""Violation messages say in words what is wrong, and never repeat the pointer (every report prints it beside).

Real exchanges from the corpus (`test_corpus_checks`, built from `corpus.py`), each broken in one place and
checked by `Contract.check`; the exact message is asserted. Then a sweep over every corpus exchange broken at
every place it can be, and over the bundled cassettes: no message holds its own pointer followed by ':' or a
raw JSON Schema dump.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import corpus as c
import jsonschema_rs
import pytest
import test_corpus_checks as cases
from test_corpus_checks import BY_NAME, fields, request_at, response_at, traffic_of

from assistants_contract import Severity, Side, Violation
from assistants_contract.contract.wording import describe
from assistants_contract.sources import find_files, read_exchanges

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
SCHEMA, QUERY, UNKNOWN = "request.body.schema", "request.query.invalid", "request.body.unknown_property"
RSCHEMA = "response.body.schema"
BOTH_STORES = {"vector_store_ids": [c.VECTOR_STORE_ID], "vector_stores": [{"file_ids": [c.PDF_FILE_ID]}]}

MESSAGES = [  # (operation, label, change, code, pointer, the exact message)
    (
        "v2-createAssistant",
        "not-both-vector-store-forms",
        request_at("/tool_resources/file_search", BOTH_STORES),
        SCHEMA,
        "/tool_resources/file_search",
        "give only one of vector_store_ids or vector_stores",
    ),
    (
        "v2-createAssistant",
        "one-of-auto-or-object",
        request_at("/response_format", "none"),
        SCHEMA,
        "/response_format",
        "expected 'auto' or an object, got 'none'",
    ),
    (
        "v2-listRuns",
        "enum",
        fields(query="order=up"),
        QUERY,
        "/order",
        "expected one of 'asc', 'desc'; got 'up'",
    ),
    (
        "v2-createMessage",
        "enum-in-body",
        request_at("/role", "system"),
        SCHEMA,
        "/role",
        "expected one of 'user', 'assistant'; got 'system'",
    ),
    (
        "v2-getRun",
        "type",
        response_at("/created_at", "2024-04-29T08:01:02Z"),
        RSCHEMA,
        "/created_at",
        "expected an integer, got a string",
    ),
    (
        "v2-getRun",
        "type-fraction",
        response_at("/created_at", 1714377660.5),
        RSCHEMA,
        "/created_at",
        "expected an integer, got a number with a fraction (1714377660.5)",
    ),
    (
        "v2-createRun",
        "type-or-null",
        request_at("/stream", "yes"),
        SCHEMA,
        "/stream",
        "expected a boolean or null, got a string",
    ),
    ("v2-createAssistant", "required", request_at("/model"), SCHEMA, "", "'model' is required"),
    (
        "v2-createAssistant",
        "unknown-argument",
        request_at("/colour", "teal"),
        UNKNOWN,
        "/colour",
        "unknown argument 'colour'; the API answers 400 Unrecognized request argument supplied: colour",
    ),
    (
        "v2-createAssistant",
        "unknown-argument-of-v1",
        request_at("/file_ids", [c.CSV_FILE_ID]),
        UNKNOWN,
        "/file_ids",
        "unknown argument 'file_ids'; the API answers 400 Unrecognized request argument supplied: file_ids"
        " ('file_ids' is an assistants=v1 argument; this request said assistants=v2)",
    ),
    (
        "v2-getAssistant",
        "unknown-response-key",
        response_at("/colour", "teal"),
        "response.body.unknown_property",
        "/colour",
        "key 'colour' is not in the contract",
    ),
    ("v2-listAssistants", "minimum", fields(query="limit=0"), QUERY, "/limit", "expected at least 1, got 0"),
    ("v2-listAssistants", "maximum", fields(query="limit=101"), QUERY, "/limit", "expected at most 100, got 101"),
    ("v2-listAssistants", "integer-text", fields(query="limit=ten"), QUERY, "/limit", "expected an integer, got 'ten'"),
    (
        "v2-createAssistant",
        "minimum-in-body",
        request_at("/tool_resources/file_search/vector_stores/0/chunking_strategy/static/max_chunk_size_tokens", 50),
        SCHEMA,
        "/tool_resources/file_search/vector_stores/0/chunking_strategy/static/max_chunk_size_tokens",
        "expected at least 100, got 50",
    ),
    (
        "v2-createAssistant",
        "pattern",
        request_at("/tools/1", {"type": "function", "function": {"name": "get weather"}}),
        SCHEMA,
        "/tools/1/function/name",
        "expected text matching the pattern ^[a-zA-Z0-9_-]+$, got 'get weather'",
    ),
    (
        "v2-createAssistant",
        "max-length",
        request_at("/name", "n" * 257),
        SCHEMA,
        "/name",
        "expected at most 256 characters, got 257",
    ),
    (
        "v2-createMessage",
        "min-length",
        request_at("/content", ""),
        SCHEMA,
        "/content",
        "expected at least 1 character, got 0",
    ),
    (
        "v2-createMessage",
        "min-items",
        request_at("/content", []),
        SCHEMA,
        "/content",
        "expected at least 1 item, got 0",
    ),
    (
        "v2-createAssistant",
        "max-items",
        request_at("/tool_resources/file_search", {"vector_store_ids": ["vs_a", "vs_b"]}),
        SCHEMA,
        "/tool_resources/file_search/vector_store_ids",
        "expected at most 1 item, got 2",
    ),
    (
        "v2-modifyThread",
        "max-properties",
        request_at("/metadata", {f"k{i}": "v" for i in range(17)}),
        SCHEMA,
        "/metadata",
        "expected at most 16 keys, got 17",
    ),
    (
        "v2-deleteThread",
        "const",
        response_at("/object", "assistant.deleted"),
        RSCHEMA,
        "/object",
        "expected 'thread.deleted'; got 'assistant.deleted'",
    ),
    (
        "v2-createAssistant",
        "discriminator",
        request_at("/tools/0", {"type": "browser"}),
        SCHEMA,
        "/tools/0/type",
        "unknown type 'browser'; expected one of 'code_interpreter', 'file_search', 'function'",
    ),
    (
        "v2-createRun",
        "long-value-is-shortened-expected-value-is-not",
        fields(query="include[]=" + "x" * 100),
        QUERY,
        "/include[]",
        "expected 'step_details.tool_calls[*].file_search.results[*].content'; got '" + "x" * 37 + "...'",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "code", "pointer", "message"),
    [
        pytest.param(name, change, code, pointer, message, id=f"{name}-{label}")
        for name, label, change, code, pointer, message in MESSAGES
    ],
)
def test_message_says_what_is_wrong(contract, name, change, code, pointer, message):
    violations = contract.check(traffic_of(name, change).exchange()).violations
    assert [(v.code, v.pointer, v.message) for v in violations] == [(code, pointer, message)]


def test_any_of_names_its_alternatives(contract):
    violations = contract.check(traffic_of("v1-createThread", response_at("/metadata", [])).exchange()).violations
    assert [(v.pointer, v.message) for v in violations] == [("/metadata", "expected an object or null, got an array")]


# --- the words for keywords the bundled contract does not use this way ---------------------------------------


def _words(schema: dict[str, Any], instance: Any) -> list[str]:
    """Messages for `instance` against a small schema of its own, as the core builds them: `parent` is the
    schema object that holds the failing keyword."""
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    found = []
    for error in validator.iter_errors(instance):
        parent: Any = schema
        for part in list(error.schema_path)[:-1]:
            parent = parent[part]
        found.append(describe(error, parent))
    return found


STORES = {"oneOf": [{"required": ["vector_store_ids"]}, {"required": ["vector_stores"]}]}


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        pytest.param(
            STORES,
            {"vector_store_ids": [], "vector_stores": []},
            "give only one of vector_store_ids or vector_stores",
            id="one-of-both",
        ),
        pytest.param(STORES, {}, "give one of vector_store_ids or vector_stores", id="one-of-neither"),
        pytest.param(
            {"oneOf": [{"required": ["a", "b"]}, {"required": ["a", "c"]}]},
            {"a": 1},
            "give one of b or c",
            id="shared-key",
        ),
        pytest.param(
            {"not": {"required": ["file_ids"]}}, {"file_ids": []}, "'file_ids' must not be given", id="not-one"
        ),
        pytest.param(
            {"not": {"required": ["a", "b", "c"]}},
            {"a": 1, "b": 2, "c": 3},
            "do not give a, b and c together",
            id="not-three",
        ),
        pytest.param({"not": {"type": "null"}}, None, "must not be null", id="not-type"),
        pytest.param({"not": {"enum": ["x", "y"]}}, "x", "must not be 'x' or 'y'", id="not-enum"),
        pytest.param(
            {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            [],
            "expected a string or an integer, got an array",
            id="one-of-types",
        ),
        pytest.param(
            {"oneOf": [{"type": "number"}, {"type": "integer"}]},
            3,
            "fits 2 of the forms the contract allows here; it must fit exactly one",
            id="one-of-two-fit",
        ),
        pytest.param({"exclusiveMinimum": 0}, 0, "expected more than 0, got 0", id="exclusive-minimum"),
        pytest.param({"exclusiveMaximum": 1.5}, 2, "expected less than 1.5, got 2", id="exclusive-maximum"),
        pytest.param({"multipleOf": 5}, 7, "expected a multiple of 5, got 7", id="multiple-of"),
        pytest.param({"uniqueItems": True}, [1, 1], "expected every item to be different; some repeat", id="unique"),
        pytest.param(
            {"format": "date-time"}, "yesterday", "expected an RFC 3339 date-time, got 'yesterday'", id="format"
        ),
        pytest.param({"const": {"a": 1}}, {"a": 2}, "expected an object; got an object", id="const-object-no-dump"),
        pytest.param(
            {"anyOf": [{"enum": ["a", "b"]}, {"type": "object"}]},
            [],
            "expected 'a', 'b' or an object; got an array",
            id="any-of-with-a-list",
        ),
        pytest.param({"enum": [None]}, 1, "expected null; got 1", id="enum-of-one"),
    ],
)
def test_words_for_a_keyword(schema, instance, expected):
    assert _words(schema, instance) == [expected]


def test_many_enum_values_are_counted_not_listed():
    (message,) = _words({"enum": [f"v{i}" for i in range(13)]}, "x")
    assert message == "expected one of 'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9' or 3 more; got 'x'"


# --- no message repeats its pointer or dumps a schema, over the whole corpus and the cassettes ----------------

_DUMP = re.compile(r'[{\[]".*\bis not\b|is not allowed for|is not valid under|is a required property|is not of type')


def _wrong_value(value: Any) -> Any:
    """One value to break a place with, chosen to reach different keywords: a string too long for any length
    limit, enum or pattern; a negative fraction where a count or an integer belongs; the other container."""
    if isinstance(value, str):
        return "y" * 600
    if isinstance(value, bool):
        return "x"
    if isinstance(value, (int, float)):
        return -1.5
    if isinstance(value, list):
        return {}
    return [] if isinstance(value, dict) else {}


def _places(document: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            yield here, value
            yield from _places(value, here)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            here = f"{pointer}/{index}"
            yield here, value
            yield from _places(value, here)


def _corpus_violations(contract) -> Iterator[Violation]:
    """Every corpus exchange broken at every place of its request and its response, once by dropping the key and
    once by a wrong value; plus the corpus's own broken cases."""
    for name, op in BY_NAME.items():
        traffic = op.traffic()
        for part, edit in (("body", request_at), ("response", response_at)):
            for pointer, value in list(_places(getattr(traffic, part))):
                for change in (edit(pointer), edit(pointer, _wrong_value(value))):
                    yield from contract.check(traffic_of(name, change).exchange()).violations
    for table in (cases.BAD_REQUESTS, cases.BAD_RESPONSES):
        for param in table:
            name, _, change, _ = param.values
            yield from contract.check(traffic_of(name, change).exchange()).violations


def _cassette_violations(contract) -> Iterator[Violation]:
    for path in find_files([CASSETTES]):
        for exchange in read_exchanges(path):
            yield from contract.check(exchange).violations


def _faults(violations: Iterator[Violation]) -> tuple[int, list[tuple[str, str, str]]]:
    count, bad = 0, []
    for v in violations:
        count += 1
        own = f"{v.pointer or '/'}:"
        if v.message.startswith(own) or (v.pointer and own in v.message) or _DUMP.search(v.message):
            bad.append((v.code, v.pointer, v.message))
    return count, bad


def test_no_corpus_message_repeats_its_pointer_or_dumps_a_schema(contract):
    count, bad = _faults(_corpus_violations(contract))
    assert count > 1000  # the sweep did break things
    assert bad == []


def test_no_cassette_message_repeats_its_pointer_or_dumps_a_schema(contract):
    count, bad = _faults(_cassette_violations(contract))
    assert count >= 8  # the errors tours break the contract on purpose
    assert bad == []


def test_the_check_above_catches_the_old_wording():
    # The property is only worth something if it fails on what main used to say.
    old = [
        Violation(
            RSCHEMA,
            '/created_at: /created_at: "x" is not of type "integer"',
            Side.RESPONSE,
            Severity.ERROR,
            None,
            "/created_at",
        ),
        Violation(UNKNOWN, "unknown argument 'colour' at /colour: ...", Side.REQUEST, Severity.ERROR, None, "/colour"),
        Violation(SCHEMA, '/: "model" is a required property', Side.REQUEST, Severity.ERROR, None, ""),
        Violation(
            SCHEMA, '{"required":["a","b"]} is not allowed for {"a":1}', Side.REQUEST, Severity.ERROR, None, "/x"
        ),
    ]
    assert len(_faults(iter(old))[1]) == len(old)
