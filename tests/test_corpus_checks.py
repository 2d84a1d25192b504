"""The checking core against a corpus of realistic v1 and v2 traffic.

Every operation of both contract documents appears below with a concrete path, a valid request and a valid
200 answer built from `corpus.py`. A valid exchange must give no violation at all, not even a warning. Each
broken exchange must give exactly the expected codes at exactly the expected pointers, with the severity and
side the code registry gives them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import corpus as c
import pytest

from assistants_contract import CODES, Exchange, Headers, Request, Response, Severity, Side

A, T, M, R = c.ASSISTANT_ID, c.THREAD_ID, c.USER_MESSAGE_ID, c.RUN_ID
S, F = c.TOOL_STEP_ID, c.CSV_FILE_ID
API = "https://api.openai.com/v1"
INCLUDE_CONTENT = "include%5B%5D=step_details.tool_calls%5B%2A%5D.file_search.results%5B%2A%5D.content"
DROP = object()  # as a value in an edit: remove the key

# --- building exchanges --------------------------------------------------------------------------------------


def edit(document: Any, pointer: str, value: Any = DROP) -> Any:
    """A deep copy of `document` with the value at JSON `pointer` replaced (or removed, with DROP)."""
    document = copy.deepcopy(document)
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DROP:
        del node[key]
    elif isinstance(node, list) and key == len(node):
        node.append(value)
    else:
        node[key] = value
    return document


@dataclass
class Traffic:
    """One exchange, field by field, so a test case can change just the part it is about."""

    version: str
    operation_id: str
    method: str
    path: str
    query: str = ""
    body: Any = None  # the JSON request body; None sends none
    raw_body: bytes | None = None  # sent instead of `body` when set
    headers: dict[str, str] = field(default_factory=dict)
    base: str = API
    status: int = 200
    response: Any = None
    raw_response: bytes | None = None  # sent instead of `response` when set
    response_type: str = "application/json"

    def url(self) -> str:
        return self.base + self.path + (f"?{self.query}" if self.query else "")

    def request(self) -> Request:
        body = self.raw_body
        if body is None and self.body is not None:
            body = json.dumps(self.body).encode()
        return Request(self.method, self.url(), Headers(self.headers), body)

    def exchange(self) -> Exchange:
        body = self.raw_response if self.raw_response is not None else json.dumps(self.response).encode()
        return Exchange(self.request(), Response(self.status, Headers({"Content-Type": self.response_type}), body))


Change = Callable[[Traffic], None]


def fields(**values: Any) -> Change:
    def change(traffic: Traffic) -> None:
        for name, value in values.items():
            setattr(traffic, name, value)

    return change


def request_at(pointer: str, value: Any = DROP) -> Change:
    def change(traffic: Traffic) -> None:
        traffic.body = edit(traffic.body, pointer, value)

    return change


def response_at(pointer: str, value: Any = DROP) -> Change:
    def change(traffic: Traffic) -> None:
        traffic.response = edit(traffic.response, pointer, value)

    return change


def header(name: str, value: str | None = None) -> Change:
    def change(traffic: Traffic) -> None:
        traffic.headers = {k: v for k, v in traffic.headers.items() if k.lower() != name.lower()}
        if value is not None:
            traffic.headers[name] = value

    return change


def found(contract, traffic: Traffic) -> list[tuple[str, str]]:
    """Check the exchange; return its violations as sorted (code, pointer) pairs, after making sure each one
    carries the severity the registry gives its code, the right side, and the operation that was matched."""
    result = contract.check(traffic.exchange())
    assert result.version == traffic.version
    for v in result.violations:
        assert v.severity is CODES[v.code][0], v
        response_side = v.code.startswith(("response.", "stream."))
        assert v.side is (Side.RESPONSE if response_side else Side.REQUEST), v
        assert v.operation_id == result.operation_id, v
        assert v.message, v
    return sorted((v.code, v.pointer) for v in result.violations)


# --- every operation of both versions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    version: str
    operation_id: str
    method: str
    path: str
    query: str
    response: Callable[[str], Any]

    @property
    def name(self) -> str:
        return f"{self.version}-{self.operation_id}"

    def traffic(self) -> Traffic:
        body = copy.deepcopy(REQUEST_BODIES.get(self.operation_id, {}).get(self.version))
        headers = {"OpenAI-Beta": f"assistants={self.version}", "Authorization": "Bearer sk-test-4f9a"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return Traffic(
            self.version,
            self.operation_id,
            self.method,
            self.path,
            self.query,
            body,
            headers=headers,
            response=self.response(self.version),
        )


REQUEST_BODIES: dict[str, dict[str, Any]] = {
    "createAssistant": {
        "v1": {
            "model": "gpt-4-turbo",
            "name": "Sales analyst",
            "instructions": c.INSTRUCTIONS,
            "tools": [{"type": "code_interpreter"}, {"type": "retrieval"}],
            "file_ids": [c.CSV_FILE_ID, c.PDF_FILE_ID],
            "metadata": {"team": "sales"},
        },
        "v2": {
            "model": "gpt-4o",
            "name": "Sales analyst",
            "instructions": c.INSTRUCTIONS,
            "tools": [{"type": "code_interpreter"}, {"type": "file_search", "file_search": {"max_num_results": 20}}],
            "tool_resources": {
                "code_interpreter": {"file_ids": [c.CSV_FILE_ID]},
                "file_search": {
                    "vector_stores": [
                        {
                            "file_ids": [c.PDF_FILE_ID],
                            "chunking_strategy": {
                                "type": "static",
                                "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
                            },
                        }
                    ]
                },
            },
            "metadata": {"team": "sales"},
            "temperature": 0.7,
            "top_p": 1,
            "response_format": {"type": "json_object"},
        },
    },
    "modifyAssistant": {
        "v1": {"instructions": "Be brief.", "file_ids": [c.CSV_FILE_ID], "tools": [{"type": "code_interpreter"}]},
        "v2": {
            "instructions": "Be brief.",
            "tool_resources": {"code_interpreter": {"file_ids": [c.CSV_FILE_ID]}},
            "response_format": "auto",
            "reasoning_effort": None,
        },
    },
    "createThread": {
        "v1": {
            "messages": [{"role": "user", "content": "Summarise the attached sales figures.", "file_ids": [F]}],
            "metadata": {"customer": "acme"},
        },
        "v2": {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What does this receipt say?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/r.png", "detail": "low"}},
                    ],
                    "attachments": [{"file_id": F, "tools": [{"type": "code_interpreter"}]}],
                }
            ],
            "tool_resources": {"file_search": {"vector_store_ids": [c.VECTOR_STORE_ID]}},
            "metadata": {"customer": "acme"},
        },
    },
    "modifyThread": {
        "v1": {"metadata": {"customer": "acme", "priority": "high"}},
        "v2": {"metadata": {"customer": "acme"}, "tool_resources": {"code_interpreter": {"file_ids": [F]}}},
    },
    "createMessage": {
        "v1": {"role": "user", "content": "And for Q2?", "file_ids": [F]},
        "v2": {
            "role": "user",
            "content": "And for Q2?",
            "attachments": [{"file_id": F, "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]}],
        },
    },
    "modifyMessage": {"v1": {"metadata": {"reviewed": "yes"}}, "v2": {"metadata": {"reviewed": "yes"}}},
    "createThreadAndRun": {
        "v1": {
            "assistant_id": A,
            "thread": {"messages": [{"role": "user", "content": "Plot Q1 sales."}]},
            "tools": [{"type": "code_interpreter"}],
            "tool_choice": {"type": "code_interpreter"},
            "max_completion_tokens": 1000,
        },
        "v2": {
            "assistant_id": A,
            "thread": {
                "messages": [{"role": "user", "content": "Plot Q1 sales."}],
                "tool_resources": {"code_interpreter": {"file_ids": [F]}},
            },
            "tool_resources": {"file_search": {"vector_store_ids": [c.VECTOR_STORE_ID]}},
            "parallel_tool_calls": False,
            "top_p": 0.9,
        },
    },
    "createRun": {
        "v1": {
            "assistant_id": A,
            "additional_instructions": "The user is on the sales team.",
            "additional_messages": [{"role": "assistant", "content": "Which quarter?"}],
            "max_prompt_tokens": 2000,
            "truncation_strategy": {"type": "last_messages", "last_messages": 10},
            "response_format": {"type": "json_object"},
        },
        "v2": {
            "assistant_id": A,
            "model": "gpt-4o-mini",
            "tool_choice": "required",
            "tools": [{"type": "function", "function": c.WEATHER_FUNCTION | {"strict": True}}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
            },
            "reasoning_effort": "low",
            "metadata": None,
        },
    },
    "modifyRun": {"v1": {"metadata": {"user_id": "u-42"}}, "v2": {"metadata": {"user_id": "u-42"}}},
    "submitToolOuputsToRun": {
        v: {
            "tool_outputs": [
                {"tool_call_id": c.FUNCTION_CALL_ID, "output": '{"temperature": 18}'},
                {"tool_call_id": c.SECOND_FUNCTION_CALL_ID, "output": '{"temperature": 21}'},
            ]
        }
        for v in c.VERSIONS
    },
    "createAssistantFile": {"v1": {"file_id": F}},
}

_SHARED_OPERATIONS = [
    ("listAssistants", "GET", "/assistants", "limit=2&order=desc", lambda v: c.page([c.assistant(v)], has_more=True)),
    ("createAssistant", "POST", "/assistants", "", c.assistant),
    ("getAssistant", "GET", f"/assistants/{A}", "", c.assistant),
    ("modifyAssistant", "POST", f"/assistants/{A}", "", c.assistant),
    ("deleteAssistant", "DELETE", f"/assistants/{A}", "", lambda v: c.deleted("assistant", A)),
    ("createThread", "POST", "/threads", "", c.thread),
    ("getThread", "GET", f"/threads/{T}", "", c.thread),
    ("modifyThread", "POST", f"/threads/{T}", "", c.thread),
    ("deleteThread", "DELETE", f"/threads/{T}", "", lambda v: c.deleted("thread", T)),
    (
        "listMessages",
        "GET",
        f"/threads/{T}/messages",
        f"limit=100&order=asc&after={M}&run_id={R}",
        lambda v: c.page([c.message(v, "user"), c.message(v, "assistant")]),
    ),
    ("createMessage", "POST", f"/threads/{T}/messages", "", lambda v: c.message(v, "user")),
    ("getMessage", "GET", f"/threads/{T}/messages/{M}", "", lambda v: c.message(v, "assistant")),
    ("modifyMessage", "POST", f"/threads/{T}/messages/{M}", "", lambda v: c.message(v, "user")),
    ("createThreadAndRun", "POST", "/threads/runs", "", lambda v: c.run(v, "queued")),
    ("listRuns", "GET", f"/threads/{T}/runs", "limit=1&before=run_x", lambda v: c.page([c.run(v, "completed")])),
    ("createRun", "POST", f"/threads/{T}/runs", "", lambda v: c.run(v, "queued")),
    ("getRun", "GET", f"/threads/{T}/runs/{R}", "", lambda v: c.run(v, "requires_action")),
    ("modifyRun", "POST", f"/threads/{T}/runs/{R}", "", lambda v: c.run(v, "completed")),
    (
        "submitToolOuputsToRun",
        "POST",
        f"/threads/{T}/runs/{R}/submit_tool_outputs",
        "",
        lambda v: c.run(v, "queued"),
    ),
    ("cancelRun", "POST", f"/threads/{T}/runs/{R}/cancel", "", lambda v: c.run(v, "cancelling")),
    (
        "listRunSteps",
        "GET",
        f"/threads/{T}/runs/{R}/steps",
        "limit=20&order=desc",
        lambda v: c.page([c.run_step(v, "message_creation"), c.run_step_all_tools(v)]),
    ),
    ("getRunStep", "GET", f"/threads/{T}/runs/{R}/steps/{S}", "", c.run_step_all_tools),
]
_V1_ONLY_OPERATIONS = [
    ("listAssistantFiles", "GET", f"/assistants/{A}/files", "limit=20", lambda v: c.page([c.assistant_file()])),
    ("createAssistantFile", "POST", f"/assistants/{A}/files", "", lambda v: c.assistant_file()),
    ("getAssistantFile", "GET", f"/assistants/{A}/files/{F}", "", lambda v: c.assistant_file()),
    ("deleteAssistantFile", "DELETE", f"/assistants/{A}/files/{F}", "", lambda v: c.deleted("assistant.file", F)),
    ("listMessageFiles", "GET", f"/threads/{T}/messages/{M}/files", "order=asc", lambda v: c.page([c.message_file()])),
    ("getMessageFile", "GET", f"/threads/{T}/messages/{M}/files/{F}", "", lambda v: c.message_file()),
]
_V2_ONLY_OPERATIONS = [
    ("deleteMessage", "DELETE", f"/threads/{T}/messages/{M}", "", lambda v: c.deleted("thread.message", M)),
]
_V2_QUERIES = {  # v2 takes include[] on these; the rest of each row is the same as in v1
    "createRun": INCLUDE_CONTENT,
    "listRunSteps": f"limit=20&order=desc&{INCLUDE_CONTENT}",
    "getRunStep": INCLUDE_CONTENT,
}

OPERATIONS: list[Op] = [
    *(Op("v1", *row) for row in _SHARED_OPERATIONS + _V1_ONLY_OPERATIONS),
    *(
        Op("v2", op_id, method, path, _V2_QUERIES.get(op_id, query), response)
        for op_id, method, path, query, response in _SHARED_OPERATIONS + _V2_ONLY_OPERATIONS
    ),
]
BY_NAME = {op.name: op for op in OPERATIONS}
WITH_BODY = [op for op in OPERATIONS if op.operation_id in REQUEST_BODIES]
WITHOUT_BODY = [op for op in OPERATIONS if op.operation_id not in REQUEST_BODIES]
NO_404 = {"listAssistants", "createAssistant", "createThread"}  # no id in the path and none in the body


def traffic_of(name: str, *changes: Change) -> Traffic:
    traffic = BY_NAME[name].traffic()
    for change in changes:
        change(traffic)
    return traffic


def both(operation_id: str, *rest: Any) -> list[Any]:
    """The same case for the v1 and the v2 operation."""
    return [pytest.param(f"{v}-{operation_id}", *rest, id=f"{v}-{operation_id}-{rest[0]}") for v in c.VERSIONS]


def case(name: str, *rest: Any) -> Any:
    return pytest.param(name, *rest, id=f"{name}-{rest[0]}")


def by_op(ops: list[Op]) -> Any:
    return pytest.mark.parametrize("op", ops, ids=lambda op: op.name)


def test_the_table_holds_every_operation_of_both_documents(contract):
    for version, count in (("v1", 28), ("v2", 23)):
        ops = [op for op in OPERATIONS if op.version == version]
        document = contract.documents[version]
        assert len(ops) == count == len(document.operations)
        assert {op.operation_id for op in ops} == set(document.operations)
        for op in ops:
            assert document.operations[op.operation_id].method == op.method


# --- valid traffic gives nothing -----------------------------------------------------------------------------

URL_FORMS = {
    "api": API,  # https://api.openai.com/v1/assistants
    "v1-prefix": "/v1",  # /v1/assistants
    "bare": "",  # /assistants
    "other-host": "http://127.0.0.1:8000",  # a local server without /v1
    "other-host-v1": "http://127.0.0.1:8000/v1",
}


@pytest.mark.parametrize("form", URL_FORMS)
@by_op(OPERATIONS)
def test_valid_exchange_gives_no_violation(contract, op, form):
    traffic = traffic_of(op.name, fields(base=URL_FORMS[form]))
    result = contract.check(traffic.exchange())
    assert (result.version, result.operation_id) == (op.version, op.operation_id)
    assert result.violations == []


@by_op(OPERATIONS)
def test_steps_one_by_one_agree_with_check(contract, op):
    traffic = traffic_of(op.name)
    match = contract.match(traffic.request())
    assert match.operation_id == op.operation_id
    assert contract.check_request(match) == []
    assert contract.check_response(match, traffic.exchange().response) == []


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
@by_op(OPERATIONS)
def test_documented_error_answers_give_no_violation(contract, op, status):
    traffic = traffic_of(op.name, fields(status=status, response=c.ERRORS[status]))
    expected = [("response.status.undocumented", "/status")] if status == 404 and op.operation_id in NO_404 else []
    assert found(contract, traffic) == expected


def test_create_thread_may_have_no_body(contract):
    for version in c.VERSIONS:
        traffic = traffic_of(f"{version}-createThread", fields(body=None), header("Content-Type"))
        assert found(contract, traffic) == []


def test_request_without_response_is_checked_alone(contract):
    traffic = traffic_of("v2-createRun", request_at("/temperature", 3))
    result = contract.check(Exchange(traffic.request()))
    assert [(v.code, v.pointer) for v in result.violations] == [("request.body.schema", "/temperature")]


# --- broken requests -----------------------------------------------------------------------------------------

SCHEMA = "request.body.schema"
QUERY = "request.query.invalid"
UNKNOWN_ARG = "request.body.unknown_property"

BAD_REQUESTS = [
    *both("listAssistants", "limit-0", fields(query="limit=0"), [(QUERY, "/limit")]),
    *both("listAssistants", "limit-101", fields(query="limit=101"), [(QUERY, "/limit")]),
    *both("listAssistants", "limit-text", fields(query="limit=ten"), [(QUERY, "/limit")]),
    *both("listAssistants", "order-sideways", fields(query="order=sideways"), [(QUERY, "/order")]),
    *both("createAssistant", "no-model", request_at("/model"), [(SCHEMA, "")]),
    *both("createAssistant", "model-number", request_at("/model", 4), [(SCHEMA, "/model")]),
    *both("createAssistant", "name-257-chars", request_at("/name", "n" * 257), [(SCHEMA, "/name")]),
    *both("createAssistant", "unknown-tool", request_at("/tools/0", {"type": "browser"}), [(SCHEMA, "/tools/0/type")]),
    *both("createAssistant", "tool-without-type", request_at("/tools/0/type"), [(SCHEMA, "/tools/0/type")]),
    *both(
        "createAssistant",
        "function-name-number",
        request_at("/tools/1", {"type": "function", "function": {"name": 7}}),
        [(SCHEMA, "/tools/1/function/name")],
    ),
    *both(
        "createAssistant",
        "function-name-with-space",
        request_at("/tools/1", {"type": "function", "function": {"name": "get weather"}}),
        [(SCHEMA, "/tools/1/function/name")],
    ),
    *both(
        "createAssistant",
        "function-without-function",
        request_at("/tools/1", {"type": "function"}),
        [(SCHEMA, "/tools/1")],
    ),
    *both(
        "createAssistant",
        "unknown-key-in-tool",
        request_at("/tools/0/options", {}),
        [(UNKNOWN_ARG, "/tools/0/options")],
    ),
    *both("modifyAssistant", "metadata-number", request_at("/metadata", {"n": 1}), [(SCHEMA, "/metadata/n")]),
    *both(
        "modifyAssistant", "tools-not-a-list", request_at("/tools", {"type": "code_interpreter"}), [(SCHEMA, "/tools")]
    ),
    *both("createThread", "message-without-content", request_at("/messages/0/content"), [(SCHEMA, "/messages/0")]),
    *both(
        "createThread", "message-role-system", request_at("/messages/0/role", "system"), [(SCHEMA, "/messages/0/role")]
    ),
    *both("createThread", "body-null", fields(body=None, raw_body=b"null"), [(SCHEMA, "")]),
    *both(
        "modifyThread",
        "17-metadata-pairs",
        request_at("/metadata", {f"k{i}": "v" for i in range(17)}),
        [(SCHEMA, "/metadata")],
    ),
    *both(
        "modifyThread", "metadata-value-513", request_at("/metadata", {"note": "x" * 513}), [(SCHEMA, "/metadata/note")]
    ),
    *both("listMessages", "limit-101", fields(query="limit=101"), [(QUERY, "/limit")]),
    *both("listMessages", "order-newest", fields(query="order=newest"), [(QUERY, "/order")]),
    *both("createMessage", "no-role", request_at("/role"), [(SCHEMA, "")]),
    *both("createMessage", "empty-content", request_at("/content", ""), [(SCHEMA, "/content")]),
    *both("createMessage", "role-system", request_at("/role", "system"), [(SCHEMA, "/role")]),
    *both("modifyMessage", "content-is-read-only", request_at("/content", "edited"), [(UNKNOWN_ARG, "/content")]),
    *both("createThreadAndRun", "no-assistant-id", request_at("/assistant_id"), [(SCHEMA, "")]),
    *both("createThreadAndRun", "temperature-3", request_at("/temperature", 3), [(SCHEMA, "/temperature")]),
    *both(
        "createThreadAndRun",
        "thread-message-role",
        request_at("/thread/messages/0/role", "tool"),
        [(SCHEMA, "/thread/messages/0/role")],
    ),
    *both("listRuns", "limit-0", fields(query="limit=0"), [(QUERY, "/limit")]),
    *both("createRun", "no-assistant-id", request_at("/assistant_id"), [(SCHEMA, "")]),
    *both("createRun", "thread-id-in-body", request_at("/thread_id", T), [(UNKNOWN_ARG, "/thread_id")]),
    *both(
        "createRun", "max-prompt-tokens-100", request_at("/max_prompt_tokens", 100), [(SCHEMA, "/max_prompt_tokens")]
    ),
    *both(
        "createRun",
        "truncation-newest",
        request_at("/truncation_strategy", {"type": "newest"}),
        [(SCHEMA, "/truncation_strategy/type")],
    ),
    *both("createRun", "tool-choice-sometimes", request_at("/tool_choice", "sometimes"), [(SCHEMA, "/tool_choice")]),
    *both("createRun", "stream-yes", request_at("/stream", "yes"), [(SCHEMA, "/stream")]),
    case(
        "v1-createRun", "tool-choice-required-is-v2", request_at("/tool_choice", "required"), [(SCHEMA, "/tool_choice")]
    ),
    case(
        "v1-createRun",
        "named-file-search-is-v2",
        request_at("/tool_choice", {"type": "file_search"}),
        [(SCHEMA, "/tool_choice/type")],
    ),
    case(
        "v2-createRun",
        "named-retrieval-is-v1",
        request_at("/tool_choice", {"type": "retrieval"}),
        [(SCHEMA, "/tool_choice/type")],
    ),
    case(
        "v2-createRun",
        "response-format-none-is-v1",
        request_at("/response_format", "none"),
        [(SCHEMA, "/response_format")],
    ),
    case(
        "v2-createRun",
        "json-schema-without-name",
        request_at("/response_format/json_schema/name"),
        [(SCHEMA, "/response_format/json_schema")],
    ),
    case(
        "v2-createRun",
        "reasoning-effort-extreme",
        request_at("/reasoning_effort", "extreme"),
        [(SCHEMA, "/reasoning_effort")],
    ),
    case("v2-createRun", "include-unknown", fields(query="include[]=step_details.logs"), [(QUERY, "/include[]")]),
    *both("modifyRun", "status-is-read-only", request_at("/status", "cancelled"), [(UNKNOWN_ARG, "/status")]),
    *both("submitToolOuputsToRun", "no-tool-outputs", request_at("/tool_outputs"), [(SCHEMA, "")]),
    *both(
        "submitToolOuputsToRun",
        "output-object",
        request_at("/tool_outputs/0/output", {"temperature": 18}),
        [(SCHEMA, "/tool_outputs/0/output")],
    ),
    *both(
        "submitToolOuputsToRun",
        "unknown-key-in-output",
        request_at("/tool_outputs/1/call_id", "call_1"),
        [(UNKNOWN_ARG, "/tool_outputs/1/call_id")],
    ),
    *both("listRunSteps", "order-up", fields(query="order=up"), [(QUERY, "/order")]),
    case("v2-listRunSteps", "include-unknown", fields(query="include[]=everything"), [(QUERY, "/include[]")]),
    case("v2-getRunStep", "include-unknown", fields(query="include[]=step_details"), [(QUERY, "/include[]")]),
    case("v1-listAssistantFiles", "limit-0", fields(query="limit=0"), [(QUERY, "/limit")]),
    case("v1-createAssistantFile", "no-file-id", request_at("/file_id"), [(SCHEMA, "")]),
    case("v1-createAssistantFile", "file-id-number", request_at("/file_id", 12), [(SCHEMA, "/file_id")]),
    case(
        "v1-createAssistantFile",
        "file-ids-plural",
        fields(body={"file_ids": [F]}),
        [(SCHEMA, ""), (UNKNOWN_ARG, "/file_ids")],
    ),
    case("v1-listMessageFiles", "order-sideways", fields(query="order=sideways"), [(QUERY, "/order")]),
    case("v1-createMessage", "eleven-files", request_at("/file_ids", [F] * 11), [(SCHEMA, "/file_ids")]),
    case(
        "v2-createAssistant",
        "both-vector-store-forms",
        request_at("/tool_resources/file_search/vector_store_ids", [c.VECTOR_STORE_ID]),
        [(SCHEMA, "/tool_resources/file_search")],
    ),
    case(
        "v2-createAssistant",
        "chunks-too-small",
        request_at("/tool_resources/file_search/vector_stores/0/chunking_strategy/static/max_chunk_size_tokens", 50),
        [(SCHEMA, "/tool_resources/file_search/vector_stores/0/chunking_strategy/static/max_chunk_size_tokens")],
    ),
    case("v2-createAssistant", "top-p-2", request_at("/top_p", 2), [(SCHEMA, "/top_p")]),
    case(
        "v2-createAssistant",
        "max-results-51",
        request_at("/tools/1/file_search/max_num_results", 51),
        [(SCHEMA, "/tools/1/file_search/max_num_results")],
    ),
    case(
        "v2-modifyThread",
        "two-vector-stores",
        request_at("/tool_resources/file_search", {"vector_store_ids": ["vs_a", "vs_b"]}),
        [(SCHEMA, "/tool_resources/file_search/vector_store_ids")],
    ),
    case(
        "v2-createMessage",
        "part-unknown-type",
        request_at("/content", [{"type": "audio"}]),
        [(SCHEMA, "/content/0/type")],
    ),
    case(
        "v2-createMessage",
        "image-url-not-uri",
        request_at("/content", [{"type": "image_url", "image_url": {"url": "receipt.png"}}]),
        [(SCHEMA, "/content/0/image_url/url")],
    ),
    case("v2-createMessage", "no-parts", request_at("/content", []), [(SCHEMA, "/content")]),
    case(
        "v2-createMessage",
        "attachment-without-file",
        request_at("/attachments/0/file_id"),
        [(SCHEMA, "/attachments/0")],
    ),
    case(
        "v2-createMessage",
        "attachment-tool-function",
        request_at("/attachments/0/tools/0", {"type": "function"}),
        [(SCHEMA, "/attachments/0/tools/0/type")],
    ),
]


@pytest.mark.parametrize(("name", "label", "change", "expected"), BAD_REQUESTS)
def test_broken_request(contract, name, label, change, expected):
    assert found(contract, traffic_of(name, change)) == sorted(expected)


@pytest.mark.parametrize("value", ["1_00", "%D9%A3"], ids=["underscore", "arabic-indic-digit"])
def test_integer_query_value_must_be_plain_digits(contract, value):
    traffic = traffic_of("v2-listAssistants", fields(query=f"limit={value}"))
    assert found(contract, traffic) == [(QUERY, "/limit")]


@by_op(WITH_BODY)
def test_request_body_that_is_not_json(contract, op):
    traffic = traffic_of(op.name, fields(raw_body=b'{"metadata": {"a": "b"'))
    assert found(contract, traffic) == [("request.body.invalid_json", "")]


@by_op(WITH_BODY)
def test_request_body_sent_as_form_data(contract, op):
    traffic = traffic_of(op.name, header("Content-Type", "application/x-www-form-urlencoded"))
    assert found(contract, traffic) == [("request.content_type", "/content-type")]


@by_op([op for op in WITH_BODY if op.operation_id != "createThread"])
def test_request_without_its_required_body(contract, op):
    traffic = traffic_of(op.name, fields(body=None), header("Content-Type"))
    assert found(contract, traffic) == [("request.body.missing", "")]


@by_op(WITHOUT_BODY)
def test_undocumented_query_parameter_is_a_warning(contract, op):
    traffic = traffic_of(op.name, fields(query=f"{op.query}&expand=all".lstrip("&")))
    assert found(contract, traffic) == [("request.query.unknown", "/expand")]
    assert contract.check(traffic.exchange()).ok


def test_every_operation_has_a_broken_request_case():
    specific = {p.values[0] for p in BAD_REQUESTS}
    assert set(BY_NAME) == {op.name for op in WITH_BODY} | {op.name for op in WITHOUT_BODY}  # generic cases
    assert {op.name for op in WITH_BODY} <= specific  # and hand-written ones for every body
    assert {op.name for op in OPERATIONS if op.operation_id.startswith("list") or op.query} <= specific


# --- headers and routing -------------------------------------------------------------------------------------


@by_op([op for op in OPERATIONS if op.version == "v2"])
def test_missing_beta_header_is_checked_as_v2(contract, op):
    traffic = traffic_of(op.name, header("OpenAI-Beta"))
    assert found(contract, traffic) == [("request.header.missing", "/openai-beta")]


def test_v1_request_without_beta_header_is_checked_as_v2(contract):
    traffic = traffic_of("v1-createAssistant", header("OpenAI-Beta"), fields(version="v2"))
    result = contract.check(Exchange(traffic.request()))
    assert result.version == "v2" and result.operation_id == "createAssistant"
    assert sorted((v.code, v.pointer) for v in result.violations) == [
        ("request.body.schema", "/tools/1/type"),  # retrieval is not a v2 tool
        ("request.body.unknown_property", "/file_ids"),
        ("request.header.missing", "/openai-beta"),
    ]
    assert "assistants=v2" in next(v.message for v in result.violations if v.code == "request.header.missing")


def test_v1_only_operation_without_beta_header_is_an_unknown_v2_path(contract):
    traffic = traffic_of("v1-listAssistantFiles", header("OpenAI-Beta"), fields(version="v2"))
    result = contract.check(traffic.exchange())
    assert result.operation_id is None
    assert sorted((v.code, v.pointer) for v in result.violations) == [
        ("path.undocumented", f"/v1/assistants/{A}/files"),
        ("request.header.missing", "/openai-beta"),
    ]


@pytest.mark.parametrize("value", ["assistants=v3", "assistants=", "assistants-v2", "v2", "tools=v2"])
def test_unknown_beta_value_is_invalid_and_checked_as_v2(contract, value):
    traffic = traffic_of("v2-getRun", header("OpenAI-Beta", value))
    assert found(contract, traffic) == [("request.header.invalid", "/openai-beta")]


@pytest.mark.parametrize(
    ("value", "version"),
    [("assistants=v1", "v1"), ("realtime=v1, assistants=v1", "v1"), ("assistants=v2,other=x", "v2")],
)
def test_beta_header_may_list_other_betas(contract, value, version):
    traffic = traffic_of(f"{version}-getThread", header("openai-beta", value))
    assert found(contract, traffic) == []


@pytest.mark.parametrize("value", [None, "Basic c2stdGVzdDo=", "Bearer ", "sk-test-4f9a"])
@pytest.mark.parametrize("version", c.VERSIONS)
def test_missing_bearer_token_is_only_a_warning(contract, version, value):
    traffic = traffic_of(f"{version}-listRuns", header("Authorization", value))
    assert found(contract, traffic) == [("request.auth.missing", "/authorization")]
    result = contract.check(traffic.exchange())
    assert result.ok and result.violations[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    ("version", "method", "path"),
    [
        ("v2", "GET", "/vector_stores"),
        ("v2", "GET", f"/assistants/{A}/tools"),
        ("v1", "GET", f"/threads/{T}/runs/{R}/steps/{S}/logs"),
        ("v2", "POST", "/v2/assistants"),
        ("v2", "GET", f"/assistants/{A}/files"),  # v1 only
        ("v2", "GET", f"/threads/{T}/messages/{M}/files/{F}"),  # v1 only
        ("v1", "GET", "/"),
    ],
)
def test_unknown_path(contract, version, method, path):
    traffic = Traffic(version, "", method, path, headers={"OpenAI-Beta": f"assistants={version}"}, base="")
    result = contract.check(Exchange(traffic.request()))
    assert result.operation_id is None and result.version == version
    assert [(v.code, v.pointer, v.operation_id) for v in result.violations] == [("path.undocumented", path, None)]


@pytest.mark.parametrize(
    ("version", "method", "path"),
    [
        ("v2", "PUT", "/assistants/asst_x"),
        ("v2", "PATCH", f"/threads/{T}"),
        ("v1", "DELETE", "/threads/x/runs/y"),
        ("v2", "DELETE", f"/threads/{T}/runs/{R}"),
        ("v2", "GET", f"/threads/{T}/runs/{R}/cancel"),
        ("v2", "POST", f"/threads/{T}/runs/{R}/steps"),
        ("v1", "DELETE", f"/threads/{T}/messages/{M}"),  # deleteMessage is v2 only
        ("v1", "POST", f"/threads/{T}/messages/{M}/files"),
        ("v2", "GET", "/threads"),
    ],
)
def test_known_path_with_undocumented_method(contract, version, method, path):
    traffic = Traffic(version, "", method, path, headers={"OpenAI-Beta": f"assistants={version}"}, base=API)
    result = contract.check(Exchange(traffic.request()))
    assert result.operation_id is None
    assert [(v.code, v.pointer) for v in result.violations] == [("method.undocumented", "/v1" + path)]
    assert method in result.violations[0].message


# --- one version's arguments sent to the other ---------------------------------------------------------------


OTHER_VERSION_ARGUMENTS = [  # (operation, key, value, the version that has the key, or None)
    ("v1-createAssistant", "top_p", 0.9, "v2"),
    ("v1-createAssistant", "tool_resources", {"code_interpreter": {"file_ids": [F]}}, "v2"),
    ("v1-createAssistant", "reasoning_effort", "low", "v2"),
    ("v1-modifyAssistant", "response_format", "auto", "v2"),
    ("v1-createThread", "tool_resources", {}, "v2"),
    ("v1-modifyThread", "tool_resources", None, "v2"),
    ("v1-createMessage", "attachments", [], "v2"),
    ("v1-createRun", "parallel_tool_calls", False, "v2"),
    ("v1-createRun", "top_p", 0.5, "v2"),
    ("v1-createThreadAndRun", "tool_resources", None, "v2"),
    ("v2-createAssistant", "file_ids", [F], "v1"),
    ("v2-modifyAssistant", "file_ids", [], "v1"),
    ("v2-createMessage", "file_ids", [F], "v1"),
    ("v2-createAssistant", "temperture", 0.2, None),  # a typo belongs to neither version
    ("v2-createRun", "thread_id", T, None),
]


@pytest.mark.parametrize(
    ("name", "key", "value", "other"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in OTHER_VERSION_ARGUMENTS]
)
def test_argument_of_the_other_version(contract, name, key, value, other):
    traffic = traffic_of(name, request_at(f"/{key}", value))
    assert found(contract, traffic) == [("request.body.unknown_property", f"/{key}")]
    (violation,) = contract.check(traffic.exchange()).violations
    assert violation.severity is Severity.ERROR and f"'{key}'" in violation.message
    if other is None:
        assert "assistants=v" not in violation.message
    else:
        assert f"'{key}' is an assistants={other} argument" in violation.message
        assert f"this request said assistants={name[:2]}" in violation.message


@pytest.mark.parametrize("name", ["v1-listRunSteps", "v1-getRunStep"])
def test_v2_include_query_on_v1_is_an_unknown_parameter(contract, name):
    traffic = traffic_of(name, fields(query="include[]=step_details.tool_calls[*].file_search.results[*].content"))
    assert found(contract, traffic) == [("request.query.unknown", "/include[]")]
    assert contract.check(traffic.exchange()).ok


def test_v2_include_query_on_v1_create_run_is_an_unknown_parameter(contract):
    traffic = traffic_of("v1-createRun", fields(query=INCLUDE_CONTENT))
    assert found(contract, traffic) == [("request.query.unknown", "/include[]")]


# --- broken responses ----------------------------------------------------------------------------------------

RSCHEMA = "response.body.schema"
GENERIC_RESPONSE_FAULTS = {
    "status-418": (fields(status=418), [("response.status.undocumented", "/status")]),
    "text-html": (fields(response_type="text/html; charset=utf-8"), [("response.content_type", "/content-type")]),
    "not-json": (fields(raw_response=b'{"id": "asst_abc", "object":'), [("response.body.invalid_json", "")]),
    "no-object-key": (response_at("/object"), [(RSCHEMA, "")]),
    "wrong-object": (response_at("/object", "thing"), [(RSCHEMA, "/object")]),
}


@pytest.mark.parametrize("fault", GENERIC_RESPONSE_FAULTS)
@by_op(OPERATIONS)
def test_generic_response_fault(contract, op, fault):
    change, expected = GENERIC_RESPONSE_FAULTS[fault]
    assert found(contract, traffic_of(op.name, change)) == expected


def _step_call(index: int) -> str:
    return f"/step_details/tool_calls/{index}"


BAD_RESPONSES = [
    *both("getRun", "status-bogus", response_at("/status", "bogus"), [(RSCHEMA, "/status")]),
    case("v1-getRun", "status-incomplete-is-v2", response_at("/status", "incomplete"), [(RSCHEMA, "/status")]),
    *both(
        "getRun",
        "last-error-code",
        response_at("/last_error", {"code": "oops", "message": "x"}),
        [(RSCHEMA, "/last_error/code")],
    ),
    *both(
        "getRun",
        "required-action-without-calls",
        response_at("/required_action/submit_tool_outputs/tool_calls"),
        [(RSCHEMA, "/required_action/submit_tool_outputs")],
    ),
    *both(
        "getRun",
        "tool-call-arguments-object",
        response_at("/required_action/submit_tool_outputs/tool_calls/0/function/arguments", {"city": "Paris"}),
        [(RSCHEMA, "/required_action/submit_tool_outputs/tool_calls/0/function/arguments")],
    ),
    *both("getRun", "created-at-iso", response_at("/created_at", "2024-04-29T08:01:02Z"), [(RSCHEMA, "/created_at")]),
    *both("getRun", "instructions-null", response_at("/instructions", None), [(RSCHEMA, "/instructions")]),
    *both("getRun", "unknown-tool", response_at("/tools/1/type", "browser"), [(RSCHEMA, "/tools/1/type")]),
    *both("modifyRun", "usage-without-total", response_at("/usage/total_tokens"), [(RSCHEMA, "/usage")]),
    *both(
        "createRun", "max-prompt-tokens-10", response_at("/max_prompt_tokens", 10), [(RSCHEMA, "/max_prompt_tokens")]
    ),
    case(
        "v2-cancelRun",
        "parallel-tool-calls-string",
        response_at("/parallel_tool_calls", "yes"),
        [(RSCHEMA, "/parallel_tool_calls")],
    ),
    case("v1-cancelRun", "file-ids-missing", response_at("/file_ids"), [(RSCHEMA, "")]),
    *both("getMessage", "status-done", response_at("/status", "done"), [(RSCHEMA, "/status")]),
    *both("getMessage", "role-system", response_at("/role", "system"), [(RSCHEMA, "/role")]),
    *both("getMessage", "part-unknown-type", response_at("/content/1/type", "video"), [(RSCHEMA, "/content/1/type")]),
    *both(
        "getMessage",
        "image-without-file-id",
        response_at("/content/1/image_file/file_id"),
        [(RSCHEMA, "/content/1/image_file")],
    ),
    *both("getMessage", "text-value-missing", response_at("/content/0/text/value"), [(RSCHEMA, "/content/0/text")]),
    *both(
        "getMessage",
        "annotation-unknown-type",
        response_at("/content/0/text/annotations/0/type", "url_citation"),
        [(RSCHEMA, "/content/0/text/annotations/0/type")],
    ),
    *both(
        "getMessage",
        "citation-without-file",
        response_at("/content/0/text/annotations/1/file_citation/file_id"),
        [(RSCHEMA, "/content/0/text/annotations/1/file_citation")],
    ),
    *both(
        "getMessage",
        "negative-start-index",
        response_at("/content/0/text/annotations/0/start_index", -1),
        [(RSCHEMA, "/content/0/text/annotations/0/start_index")],
    ),
    case(
        "v1-getMessage",
        "citation-without-quote",
        response_at("/content/0/text/annotations/1/file_citation/quote"),
        [(RSCHEMA, "/content/0/text/annotations/1/file_citation")],
    ),
    case(
        "v1-getMessage",
        "refusal-is-v2",
        response_at("/content/1", {"type": "refusal", "refusal": "No."}),
        [(RSCHEMA, "/content/1/type")],
    ),
    case(
        "v2-getMessage",
        "refusal-number",
        response_at("/content/1", {"type": "refusal", "refusal": 0}),
        [(RSCHEMA, "/content/1/refusal")],
    ),
    case(
        "v2-getMessage",
        "image-url-detail",
        response_at("/content/1", {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "max"}}),
        [(RSCHEMA, "/content/1/image_url/detail")],
    ),
    case(
        "v2-getMessage",
        "attachment-tool-unknown",
        response_at("/attachments", [{"file_id": F, "tools": [{"type": "x"}]}]),
        [(RSCHEMA, "/attachments/0/tools/0/type")],
    ),
    *both(
        "createMessage",
        "incomplete-reason",
        response_at("/incomplete_details", {"reason": "tired"}),
        [(RSCHEMA, "/incomplete_details/reason")],
    ),
    *both("getRunStep", "status-queued", response_at("/status", "queued"), [(RSCHEMA, "/status")]),
    *both(
        "getRunStep",
        "details-unknown-type",
        response_at("/step_details/type", "thinking"),
        [(RSCHEMA, "/step_details/type")],
    ),
    *both(
        "getRunStep",
        "tool-call-unknown-type",
        response_at(_step_call(0) + "/type", "browser"),
        [(RSCHEMA, _step_call(0) + "/type")],
    ),
    *both(
        "getRunStep",
        "logs-number",
        response_at(_step_call(0) + "/code_interpreter/outputs/0/logs", 3),
        [(RSCHEMA, _step_call(0) + "/code_interpreter/outputs/0/logs")],
    ),
    *both(
        "getRunStep",
        "image-output-without-file",
        response_at(_step_call(0) + "/code_interpreter/outputs/1/image"),
        [(RSCHEMA, _step_call(0) + "/code_interpreter/outputs/1")],
    ),
    *both(
        "getRunStep",
        "output-unknown-type",
        response_at(_step_call(0) + "/code_interpreter/outputs/1/type", "file"),
        [(RSCHEMA, _step_call(0) + "/code_interpreter/outputs/1/type")],
    ),
    *both(
        "getRunStep",
        "function-output-absent",
        response_at(_step_call(2) + "/function/output"),
        [(RSCHEMA, _step_call(2) + "/function")],
    ),
    *both(
        "getRunStep",
        "function-output-object",
        response_at(_step_call(2) + "/function/output", {"t": 18}),
        [(RSCHEMA, _step_call(2) + "/function/output")],
    ),
    case(
        "v1-getRunStep",
        "file-search-is-v2",
        response_at(_step_call(1), c.search_call("v2")),
        [(RSCHEMA, _step_call(1) + "/type")],
    ),
    case(
        "v2-getRunStep",
        "retrieval-is-v1",
        response_at(_step_call(1), c.search_call("v1")),
        [(RSCHEMA, _step_call(1) + "/type")],
    ),
    case(
        "v2-getRunStep",
        "score-above-1",
        response_at(_step_call(1) + "/file_search/results/0/score", 1.5),
        [(RSCHEMA, _step_call(1) + "/file_search/results/0/score")],
    ),
    case(
        "v2-getRunStep",
        "result-without-file-name",
        response_at(_step_call(1) + "/file_search/results/1/file_name"),
        [(RSCHEMA, _step_call(1) + "/file_search/results/1")],
    ),
    case(
        "v2-getRunStep",
        "ranker-unknown",
        response_at(_step_call(1) + "/file_search/ranking_options/ranker", "bm25"),
        [(RSCHEMA, _step_call(1) + "/file_search/ranking_options/ranker")],
    ),
    *both("listRunSteps", "item-without-id", response_at("/data/1/id"), [(RSCHEMA, "/data/1")]),
    *both("listMessages", "has-more-string", response_at("/has_more", "no"), [(RSCHEMA, "/has_more")]),
    *both("listMessages", "item-status", response_at("/data/1/status", "done"), [(RSCHEMA, "/data/1/status")]),
    *both("listAssistants", "data-not-a-list", response_at("/data", {}), [(RSCHEMA, "/data")]),
    *both("listRuns", "last-id-number", response_at("/last_id", 3), [(RSCHEMA, "/last_id")]),
    *both("deleteAssistant", "deleted-yes", response_at("/deleted", "yes"), [(RSCHEMA, "/deleted")]),
    *both("deleteThread", "object-of-assistant", response_at("/object", "assistant.deleted"), [(RSCHEMA, "/object")]),
    *both("createAssistant", "name-number", response_at("/name", 5), [(RSCHEMA, "/name")]),
    *both(
        "modifyAssistant",
        "tools-128-plus",
        response_at("/tools", [{"type": "code_interpreter"}] * 129),
        [(RSCHEMA, "/tools")],
    ),
    case("v2-getAssistant", "temperature-3", response_at("/temperature", 3), [(RSCHEMA, "/temperature")]),
    case(
        "v2-getAssistant",
        "response-format-unknown",
        response_at("/response_format", {"type": "yaml"}),
        [(RSCHEMA, "/response_format/type")],
    ),
    case("v1-getAssistant", "file-ids-missing", response_at("/file_ids"), [(RSCHEMA, "")]),
    case(
        "v1-getAssistant",
        "retrieval-tool-with-v2-name",
        response_at("/tools/1/type", "file_search"),
        [(RSCHEMA, "/tools/1/type")],
    ),
    *both("getThread", "created-at-float", response_at("/created_at", 1714377660.5), [(RSCHEMA, "/created_at")]),
    case(
        "v2-modifyThread",
        "two-vector-stores",
        response_at("/tool_resources", {"file_search": {"vector_store_ids": ["vs_a", "vs_b"]}}),
        [(RSCHEMA, "/tool_resources/file_search/vector_store_ids")],
    ),
    *both("createThread", "metadata-list", response_at("/metadata", []), [(RSCHEMA, "/metadata")]),
    *both("modifyThread", "id-missing", response_at("/id"), [(RSCHEMA, "")]),
    *both("modifyMessage", "content-string", response_at("/content", "Q1 sales"), [(RSCHEMA, "/content")]),
    case("v2-deleteMessage", "deleted-missing", response_at("/deleted"), [(RSCHEMA, "")]),
    case(
        "v1-createAssistantFile", "assistant-id-null", response_at("/assistant_id", None), [(RSCHEMA, "/assistant_id")]
    ),
    case("v1-getAssistantFile", "created-at-missing", response_at("/created_at"), [(RSCHEMA, "")]),
    case(
        "v1-deleteAssistantFile",
        "object-thread-deleted",
        response_at("/object", "thread.deleted"),
        [(RSCHEMA, "/object")],
    ),
    case("v1-listAssistantFiles", "first-id-number", response_at("/first_id", 1), [(RSCHEMA, "/first_id")]),
    case("v1-listMessageFiles", "item-message-id-missing", response_at("/data/0/message_id"), [(RSCHEMA, "/data/0")]),
    case(
        "v1-getMessageFile", "object-assistant-file", response_at("/object", "assistant.file"), [(RSCHEMA, "/object")]
    ),
    *both(
        "getAssistant",
        "error-body-incomplete",
        fields(status=404, response={"error": {"message": f"No assistant found with id '{A}'."}}),
        [(RSCHEMA, "/error"), (RSCHEMA, "/error"), (RSCHEMA, "/error")],
    ),
    *both(
        "createThreadAndRun",
        "error-body-framework",
        fields(status=500, response={"detail": "Internal Server Error"}),
        [(RSCHEMA, ""), ("response.body.unknown_property", "/detail")],
    ),
    *both(
        "submitToolOuputsToRun",
        "error-code-number",
        fields(status=400, response=c.error("x", code=400)),
        [(RSCHEMA, "/error/code")],
    ),
]


@pytest.mark.parametrize(("name", "label", "change", "expected"), BAD_RESPONSES)
def test_broken_response(contract, name, label, change, expected):
    assert found(contract, traffic_of(name, change)) == sorted(expected)


def test_every_operation_has_a_broken_response_case():
    assert {p.values[0] for p in BAD_RESPONSES} == set(BY_NAME)


# --- null where the API sends null, and keys it always sends ---------------------------------------------------

REQUIRED_NULLABLE = [
    *both("getRun", "/last_error"),
    *both("getRun", "/required_action"),
    *both("getRun", "/usage"),
    *both("getRun", "/incomplete_details"),
    *both("getRun", "/expires_at"),
    *both("getRun", "/started_at"),
    *both("getRun", "/max_prompt_tokens"),
    *both("getRun", "/truncation_strategy"),
    *both("getRun", "/tool_choice"),
    *both("getRun", "/response_format"),
    *both("getRun", "/metadata"),
    *both("getAssistant", "/name"),
    *both("getAssistant", "/instructions"),
    *both("getAssistant", "/metadata"),
    *both("getThread", "/metadata"),
    case("v2-getThread", "/tool_resources"),
    *both("getMessage", "/assistant_id"),
    *both("getMessage", "/run_id"),
    *both("getMessage", "/completed_at"),
    *both("getMessage", "/metadata"),
    case("v2-getMessage", "/attachments"),
    *both("getRunStep", "/usage"),
    *both("getRunStep", "/last_error"),
    *both("getRunStep", "/expired_at"),
    *both("getRunStep", "/metadata"),
    *both("listAssistants", "/first_id"),
    *both("listRunSteps", "/last_id"),
]


@pytest.mark.parametrize(("name", "pointer"), REQUIRED_NULLABLE)
def test_required_nullable_key_may_be_null(contract, name, pointer):
    assert found(contract, traffic_of(name, response_at(pointer, None))) == []


@pytest.mark.parametrize(("name", "pointer"), REQUIRED_NULLABLE)
def test_required_nullable_key_may_not_be_left_out(contract, name, pointer):
    traffic = traffic_of(name, response_at(pointer))
    assert found(contract, traffic) == [(RSCHEMA, "")]
    (violation,) = contract.check(traffic.exchange()).violations
    assert violation.message == f"'{pointer[1:]}' is required"


@pytest.mark.parametrize(
    ("name", "pointer"),
    [
        case("v2-getAssistant", "/tool_resources"),
        case("v2-getAssistant", "/temperature"),
        case("v2-getAssistant", "/top_p"),
        case("v2-getAssistant", "/response_format"),
        *both("getRun", "/temperature"),
        case("v2-getRun", "/top_p"),
    ],
)
def test_optional_key_may_be_null_or_left_out(contract, name, pointer):
    assert found(contract, traffic_of(name, response_at(pointer, None))) == []
    assert found(contract, traffic_of(name, response_at(pointer))) == []


def test_null_status_is_reported_at_the_status(contract):
    for version in c.VERSIONS:  # both the type and the enum are broken; both land on /status
        traffic = traffic_of(f"{version}-getRun", response_at("/status", None))
        assert set(found(contract, traffic)) == {(RSCHEMA, "/status")}


@pytest.mark.parametrize(
    ("name", "pointer"),
    [
        *both("getRun", "/model"),
        *both("getRun", "/tools"),
        case("v2-getRun", "/parallel_tool_calls"),
        case("v1-getRun", "/file_ids"),
        case("v1-getMessage", "/file_ids"),
        *both("getMessage", "/content"),
        *both("getAssistant", "/model"),
        *both("getRunStep", "/step_details"),
        *both("listMessages", "/data"),
        *both("listMessages", "/has_more"),
    ],
)
def test_non_nullable_key_may_not_be_null(contract, name, pointer):
    assert found(contract, traffic_of(name, response_at(pointer, None))) == [(RSCHEMA, pointer)]


def test_v1_thread_has_no_tool_resources(contract):
    traffic = traffic_of("v1-getThread", response_at("/tool_resources", None))
    assert found(contract, traffic) == [("response.body.unknown_property", "/tool_resources")]


# --- keys the contract does not know: warnings in responses ----------------------------------------------------

UNKNOWN_RESPONSE_KEYS = [
    *both("getAssistant", "/extra_field"),
    *both("getRun", "/tool_resources"),  # the v2 cancel example shows it; RunObject does not have it
    case("v2-getRun", "/file_ids"),  # a v1 key in a v2 run
    *both("getRun", "/required_action/submit_tool_outputs/tool_calls/1/status"),
    *both("getRunStep", "/expires_at"),  # the streaming examples' misspelling of expired_at
    *both("getRunStep", "/step_details/tool_calls/0/code_interpreter/exit_code"),
    *both("getRunStep", "/step_details/tool_calls/2/function/duration_ms"),
    *both("getRunStep", "/step_details/tool_calls/0/code_interpreter/outputs/1/image/width"),
    case("v2-getRunStep", "/step_details/tool_calls/1/file_search/results/0/chunk_id"),
    *both("getMessage", "/content/0/text/annotations/1/file_citation/page"),
    *both("getMessage", "/content/1/image_file/mime"),
    *both("listMessages", "/data/0/pinned"),
    case("v1-getThread", "/tool_resources"),
    *both("deleteThread", "/purged_at"),
]


@pytest.mark.parametrize(("name", "pointer"), UNKNOWN_RESPONSE_KEYS)
def test_unknown_response_key_is_only_a_warning(contract, name, pointer):
    traffic = traffic_of(name, response_at(pointer, "surprise"))
    result = contract.check(traffic.exchange())
    assert found(contract, traffic) == [("response.body.unknown_property", pointer)]
    assert result.ok
    (violation,) = result.violations
    assert violation.severity is Severity.WARNING
    assert f"'{pointer.rsplit('/', 1)[1]}'" in violation.message


def test_unknown_key_in_error_body_is_a_warning(contract):
    body = edit(c.ERRORS[404], "/error/request_id", "req_123")
    traffic = traffic_of("v2-getAssistant", fields(status=404, response=body))
    assert found(contract, traffic) == [("response.body.unknown_property", "/error/request_id")]


def test_unknown_key_and_schema_error_together(contract):
    traffic = traffic_of("v2-getRun", response_at("/status", "paused"), response_at("/priority", "high"))
    result = contract.check(traffic.exchange())
    assert found(contract, traffic) == [(RSCHEMA, "/status"), ("response.body.unknown_property", "/priority")]
    assert not result.ok


# --- streams -------------------------------------------------------------------------------------------------

STREAMS = {
    "run": ("createRun", c.run_stream_events),
    "function-call": ("createRun", c.function_call_stream_events),
    "thread-and-run": ("createThreadAndRun", c.thread_and_run_stream_events),
    "tool-outputs": ("submitToolOuputsToRun", c.tool_outputs_stream_events),
}


def stream_traffic(version: str, kind: str = "run", events: list | None = None, raw: bytes | None = None) -> Traffic:
    operation_id, make = STREAMS[kind]
    body = raw if raw is not None else c.sse(make(version) if events is None else events)
    return traffic_of(
        f"{version}-{operation_id}",
        request_at("/stream", True),
        fields(raw_response=body, response_type="text/event-stream; charset=utf-8"),
    )


def streamed(contract, traffic: Traffic, size: int) -> list[tuple[str, str]]:
    """Feed the response body through stream_check in chunks of `size` bytes."""
    match = contract.match(traffic.request())
    check = contract.stream_check(match)
    body = traffic.raw_response
    assert body is not None
    out = []
    for start in range(0, len(body), size):
        out.extend(check.feed(body[start : start + size]))
    out.extend(check.finish())
    return sorted((v.code, v.pointer) for v in out)


@pytest.mark.parametrize("kind", STREAMS)
@pytest.mark.parametrize("version", c.VERSIONS)
def test_valid_stream_checked_whole(contract, version, kind):
    traffic = stream_traffic(version, kind)
    assert found(contract, traffic) == []
    assert contract.check(traffic.exchange()).operation_id == STREAMS[kind][0]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("size", [1, 7, 64])
@pytest.mark.parametrize("kind", STREAMS)
@pytest.mark.parametrize("version", c.VERSIONS)
def test_valid_stream_fed_in_chunks(contract, version, kind, size, newline):
    traffic = stream_traffic(version, kind)
    traffic.raw_response = traffic.raw_response.replace(b"\n", newline.encode())
    assert streamed(contract, traffic, size) == []


def test_stream_check_counts_events_and_sees_done(contract):
    traffic = stream_traffic("v2", "thread-and-run")
    check = contract.stream_check(contract.match(traffic.request()))
    assert check.feed(traffic.raw_response) == [] and check.finish() == []
    assert check.event_count == len(c.thread_and_run_stream_events("v2")) and check.done


def _run_events(version: str = "v2") -> list[tuple[str, Any]]:
    return c.run_stream_events(version)


def _with_event(index: int, event: tuple[str, Any], version: str = "v2") -> list[tuple[str, Any]]:
    events = _run_events(version)
    events.insert(index, event)
    return events


def _replace_data(index: int, pointer: str, value: Any = DROP, version: str = "v2") -> list[tuple[str, Any]]:
    events = _run_events(version)
    name, data = events[index]
    events[index] = (name, edit(data, pointer, value))
    return events


_RUN_BYTES = c.sse(_run_events())
_COMPLETED_AT = _RUN_BYTES.index(b"event: thread.run.completed")
_DELTA_STEP = c._step_delta(0, {"arguments": "{}"})

BAD_STREAMS = [
    pytest.param("v2", _run_events()[:-1], None, [("stream.incomplete", "/13")], id="no-done"),
    pytest.param("v1", _run_events("v1")[:-1], None, [("stream.incomplete", "/13")], id="v1-no-done"),
    pytest.param("v2", None, _RUN_BYTES[: _COMPLETED_AT + 100], [("stream.incomplete", "/12")], id="cut-in-data"),
    pytest.param("v2", None, _RUN_BYTES[: _COMPLETED_AT + 20], [("stream.incomplete", "/12")], id="cut-after-name"),
    pytest.param("v2", None, _RUN_BYTES[:-1], [("stream.incomplete", "/13")], id="done-without-blank-line"),
    pytest.param("v2", None, b"", [("stream.incomplete", "/0")], id="empty-body"),
    pytest.param(
        "v2",
        None,
        _RUN_BYTES.replace(b'event: thread.run.in_progress\ndata: {"', b"event: thread.run.in_progress\ndata: {", 1),
        [("stream.event.invalid_json", "/2/data")],
        id="bad-json",
    ),
    pytest.param(
        "v2",
        None,
        _RUN_BYTES.replace(b"data: [DONE]", b'data: "[DONE]"'),
        [("stream.event.schema", "/13/data")],
        id="done-data-quoted",
    ),
    pytest.param(
        "v2",
        _with_event(3, ("thread.run.paused", {"id": c.RUN_ID})),
        None,
        [("stream.event.unknown", "/3/event")],
        id="unknown-event",
    ),
    pytest.param(
        "v2",
        None,
        b'data: {"note": "no event line"}\n\n' + _RUN_BYTES,
        [("stream.event.unknown", "/0/event")],
        id="event-without-name",
    ),
    pytest.param(
        "v2",
        _replace_data(0, "/status", "bogus"),
        None,
        [("stream.event.schema", "/0/data/status")],
        id="run-status-bogus",
    ),
    pytest.param(
        "v2", _replace_data(12, "/usage"), None, [("stream.event.schema", "/12/data")], id="run-usage-missing"
    ),
    pytest.param(
        "v1",
        _with_event(12, ("thread.run.incomplete", c.run("v1", "completed")), "v1"),
        None,
        [("stream.event.unknown", "/12/event")],
        id="v1-run-incomplete-event",
    ),
    pytest.param(
        "v2",
        _replace_data(5, "/attachments"),
        None,
        [("stream.event.schema", "/5/data")],
        id="message-without-attachments",
    ),
    pytest.param(
        "v2",
        _replace_data(3, "/expires_at", c.T0 + 600),
        None,
        [("stream.event.unknown_property", "/3/data/expires_at")],
        id="step-with-expires-at",
    ),
    pytest.param(
        "v2",
        _replace_data(8, "/delta/content/0/type", "audio"),
        None,
        [("stream.event.schema", "/8/data/delta/content/0/type")],
        id="delta-part-unknown",
    ),
    pytest.param(
        "v2",
        _replace_data(8, "/delta/content/0/index"),
        None,
        [("stream.event.schema", "/8/data/delta/content/0")],
        id="delta-part-without-index",
    ),
    pytest.param(
        "v2",
        _replace_data(9, "/delta/content/0/text/logprobs", []),
        None,
        [("stream.event.unknown_property", "/9/data/delta/content/0/text/logprobs")],
        id="delta-unknown-key",
    ),
    pytest.param(
        "v1",
        _with_event(
            4,
            ("thread.run.step.delta", edit(_DELTA_STEP, "/delta/step_details/tool_calls/0/type", "file_search")),
            "v1",
        ),
        None,
        [("stream.event.schema", "/4/data/delta/step_details/tool_calls/0/type")],
        id="v1-step-delta-file-search",
    ),
    pytest.param(
        "v2",
        _with_event(4, ("thread.run.step.delta", edit(_DELTA_STEP, "/object", "thread.run.step"))),
        None,
        [("stream.event.schema", "/4/data/object")],
        id="step-delta-object",
    ),
    pytest.param(
        "v2",
        [*_run_events(), ("thread.run.completed", c.run("v2", "completed"))],
        None,
        [("stream.event.schema", "/14")],
        id="event-after-done",
    ),
    pytest.param(
        "v2",
        [*_run_events(), c.DONE],
        None,
        [("stream.event.schema", "/14")],
        id="second-done",
    ),
    pytest.param(
        "v2",
        [("thread.run.created", c.run("v2")), ("error", c.ERRORS[500]["error"]), c.DONE],
        None,
        [],
        id="error-event-bare",
    ),
    pytest.param(
        "v2",
        [("thread.run.created", c.run("v2")), ("error", c.ERRORS[500]), c.DONE],
        None,
        [],
        id="error-event-wrapped",
    ),
    pytest.param(
        "v2",
        [("thread.run.created", c.run("v2")), ("error", {"message": "boom"}), c.DONE],
        None,
        [("stream.event.schema", "/1/data")],
        id="error-event-incomplete",
    ),
]


@pytest.mark.parametrize(("version", "events", "raw", "expected"), BAD_STREAMS)
def test_broken_stream(contract, version, events, raw, expected):
    traffic = stream_traffic(version, events=events, raw=raw)
    assert found(contract, traffic) == sorted(expected)
    for size in (1, 7, 64):  # the same findings however the body arrives
        assert streamed(contract, traffic, size) == sorted(expected)


def test_unknown_key_in_error_event_points_at_the_key(contract):
    error = dict(c.ERRORS[500]["error"], request_id="req_123")
    traffic = stream_traffic("v2", events=[("thread.run.created", c.run("v2")), ("error", error), c.DONE])
    assert found(contract, traffic) == [("stream.event.unknown_property", "/1/data/request_id")]


def test_stream_with_byte_order_mark(contract):
    traffic = stream_traffic("v2", raw=b"\xef\xbb\xbf" + c.run_stream("v2"))
    assert found(contract, traffic) == []


@pytest.mark.parametrize("kind", STREAMS)
def test_stream_to_a_request_that_did_not_ask_for_one(contract, kind):
    traffic = stream_traffic("v2", kind)
    traffic.body = edit(traffic.body, "/stream")
    assert found(contract, traffic) == [("response.content_type", "/content-type")]
    traffic.body["stream"] = False
    assert found(contract, traffic) == [("response.content_type", "/content-type")]


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
def test_json_error_to_a_request_that_asked_for_a_stream(contract, status):
    traffic = traffic_of("v2-createRun", request_at("/stream", True), fields(status=status, response=c.ERRORS[status]))
    assert found(contract, traffic) == []


@pytest.mark.parametrize("version", c.VERSIONS)
@pytest.mark.parametrize("kind", STREAMS)
def test_json_answer_to_a_request_that_asked_for_a_stream(contract, version, kind):
    operation_id = STREAMS[kind][0]
    traffic = traffic_of(f"{version}-{operation_id}", request_at("/stream", True))
    assert found(contract, traffic) == [("response.content_type", "/content-type")]


def test_stream_where_none_is_documented(contract):
    traffic = traffic_of("v2-getRun", fields(raw_response=c.run_stream("v2"), response_type="text/event-stream"))
    assert found(contract, traffic) == [("response.content_type", "/content-type")]


@pytest.mark.parametrize(("name", "status"), [("v2-getRun", 200), ("v2-createRun", 400)])
def test_undocumented_stream_is_not_checked_event_by_event(contract, name, status):
    cut = c.run_stream("v2")[:-30]
    traffic = traffic_of(name, request_at("/stream", True) if status != 200 else fields(), fields(status=status))
    traffic.raw_response, traffic.response_type = cut, "text/event-stream"
    assert found(contract, traffic) == [("response.content_type", "/content-type")]


# --- no false positives on realistic objects -------------------------------------------------------------------

VARIANTS = [
    pytest.param(version, operation_id, body, id=f"{version}-{name}")
    for version in c.VERSIONS
    for name, operation_id, body in c.response_variants(version)
]


def test_the_corpus_is_large_enough():
    assert len(VARIANTS) >= 30
    assert {p.values[0] for p in VARIANTS} == set(c.VERSIONS)


@pytest.mark.parametrize(("version", "operation_id", "body"), VARIANTS)
def test_realistic_object_gives_no_violation(contract, version, operation_id, body):
    traffic = traffic_of(f"{version}-{operation_id}", fields(response=body))
    assert found(contract, traffic) == []


def test_full_page_of_100_messages(contract):
    for version in c.VERSIONS:
        page = c.message_page(version)
        assert len(page["data"]) == 100 and page["has_more"]
        traffic = traffic_of(f"{version}-listMessages", fields(query="limit=100", response=page))
        assert found(contract, traffic) == []
        broken = edit(page, "/data/99/role", "system")
        assert found(contract, traffic_of(f"{version}-listMessages", fields(response=broken))) == [
            (RSCHEMA, "/data/99/role")
        ]
