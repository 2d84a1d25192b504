"""The rule table: every kind of v1-only usage the migration check knows, where it shows, and what v2 wants instead.

A rule claims a difference the v2 contract finds in v1 traffic (a violation the v1 contract did not find there) by
its code, the v1 operation it was found in, the JSON pointer (array indexes written as `*`), the last segment of
that pointer, and the v2 schema it was checked against. An empty criterion matches anything. The first rule that
claims a difference names it; a difference no rule claims is reported as `other`, with the core's message, so
nothing is dropped.

Rules on the request side are what a client sends and must change. Rules on the response side are what a client
reads: a v2 server answers with other fields, so code that reads the v1 ones must change too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["OTHER", "RULES", "Rule", "find_rule", "normalize_pointer"]

OTHER = "other"

_ASSISTANT_FILE_OPS = ("createAssistantFile", "listAssistantFiles", "getAssistantFile", "deleteAssistantFile")
_MESSAGE_FILE_OPS = ("listMessageFiles", "getMessageFile")
_TOOL_OPS = ("createAssistant", "modifyAssistant", "createRun", "createThreadAndRun")
_UNKNOWN_KEY = ("response.body.unknown_property", "stream.event.unknown_property")
_REQUIRED = ("response.body.schema", "stream.event.schema")


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of v1-only usage. `v1` says what the traffic does, `v2` what to do instead."""

    kind: str
    side: str
    v1: str
    v2: str
    codes: tuple[str, ...]
    operations: tuple[str, ...] = ()  # v1 operation ids
    pointers: tuple[str, ...] = ()  # normalized pointers, exactly
    field: str | None = None  # the last segment of the pointer
    schemas: tuple[str, ...] = ()  # v2 component schemas (`MessageObject`), from the violation's schema location

    def claims(self, code: str, operation_id: str | None, pointer: str, schema: str | None) -> bool:
        return (
            code in self.codes
            and (not self.operations or operation_id in self.operations)
            and (not self.pointers or pointer in self.pointers)
            and (self.field is None or pointer.rsplit("/", 1)[-1] == self.field)
            and (not self.schemas or schema in self.schemas)
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "beta_header",
        "request",
        "the request says OpenAI-Beta: assistants=v1",
        "send OpenAI-Beta: assistants=v2; the SDKs send it themselves from openai-python 1.21.0 and openai-node 4.37.0",
        ("request.header.invalid",),
        pointers=("/openai-beta",),
    ),
    Rule(
        "assistant_file_ids",
        "request",
        "file_ids on an assistant",
        "tool_resources: code interpreter files in tool_resources.code_interpreter.file_ids; for file search, put"
        " the files in a vector store and name it in tool_resources.file_search.vector_store_ids (or have"
        " tool_resources.file_search.vector_stores make one)",
        ("request.body.unknown_property",),
        operations=("createAssistant", "modifyAssistant"),
        pointers=("/file_ids",),
    ),
    Rule(
        "message_file_ids",
        "request",
        "file_ids on a message",
        "attachments: one {file_id, tools} entry a file, tools naming code_interpreter and/or file_search",
        ("request.body.unknown_property",),
        pointers=(
            "/file_ids",
            "/messages/*/file_ids",
            "/thread/messages/*/file_ids",
            "/additional_messages/*/file_ids",
        ),
    ),
    Rule(
        "retrieval_tool",
        "request",
        "the retrieval tool",
        'the file_search tool ({"type": "file_search"}), which searches vector stores instead of attached files',
        ("request.body.schema",),
        operations=_TOOL_OPS,
        pointers=("/tools/*/type",),
    ),
    Rule(
        "retrieval_tool_choice",
        "request",
        'tool_choice {"type": "retrieval"}',
        'tool_choice {"type": "file_search"}',
        ("request.body.schema",),
        operations=("createRun", "createThreadAndRun"),
        pointers=("/tool_choice/type",),
    ),
    Rule(
        "assistant_files_endpoint",
        "request",
        "the assistant files endpoints (/assistants/{assistant_id}/files...)",
        "gone in v2: set the assistant's tool_resources (POST /assistants/{assistant_id}); for file search, manage"
        " the files of its vector store (/vector_stores/{vector_store_id}/files)",
        ("path.undocumented",),
        operations=_ASSISTANT_FILE_OPS,
    ),
    Rule(
        "message_files_endpoint",
        "request",
        "the message files endpoints (/threads/{thread_id}/messages/{message_id}/files...)",
        "gone in v2: read the message's attachments (GET /threads/{thread_id}/messages/{message_id})",
        ("path.undocumented",),
        operations=_MESSAGE_FILE_OPS,
    ),
    Rule(
        "assistant_file_ids_read",
        "response",
        "reads file_ids of an assistant",
        "v2 assistants have no file_ids: read tool_resources.code_interpreter.file_ids and"
        " tool_resources.file_search.vector_store_ids",
        _UNKNOWN_KEY,
        field="file_ids",
        schemas=("AssistantObject",),
    ),
    Rule(
        "message_file_ids_read",
        "response",
        "reads file_ids of a message",
        "v2 messages have no file_ids: read attachments[].file_id",
        _UNKNOWN_KEY,
        field="file_ids",
        schemas=("MessageObject", "MessageDeltaObject"),
    ),
    Rule(
        "run_file_ids_read",
        "response",
        "reads file_ids of a run",
        "v2 runs have no file_ids: the files a run uses are the tool_resources of its assistant and thread",
        _UNKNOWN_KEY,
        field="file_ids",
        schemas=("RunObject",),
    ),
    Rule(
        "retrieval_tool_read",
        "response",
        "reads the retrieval tool in an answer",
        "v2 answers name the file_search tool (tools, tool_choice and run step tool calls of type file_search)",
        ("response.body.schema", "stream.event.schema"),
        field="type",
    ),
    Rule(
        "thread_tool_resources",
        "response",
        "threads without tool_resources",
        "v2 threads always carry tool_resources (null, or the code interpreter files and vector store of the thread)",
        _REQUIRED,
        field="tool_resources",
        schemas=("ThreadObject",),
    ),
    Rule(
        "message_attachments",
        "response",
        "messages without attachments",
        "v2 messages always carry attachments (null or a list of {file_id, tools}), in place of file_ids",
        _REQUIRED,
        field="attachments",
        schemas=("MessageObject",),
    ),
    Rule(
        "run_parallel_tool_calls",
        "response",
        "runs that call one tool at a time",
        "v2 runs carry parallel_tool_calls, true by default: the model may ask for several function calls at once,"
        " so answer every call of required_action in one submit_tool_outputs, or create the run with"
        " parallel_tool_calls: false",
        _REQUIRED,
        field="parallel_tool_calls",
        schemas=("RunObject",),
    ),
)

_INDEX = re.compile(r"(?<=/)\d+(?=/|$)")
_REQUIRED_PROPERTY = re.compile(r"'([^']+)' is required$")  # the core's words for a missing field
_SCHEMA = re.compile(r"#/components/schemas/([^/]+)")


def normalize_pointer(pointer: str) -> str:
    """The pointer with array indexes (and stream event numbers) as `*`: `/data/3/file_ids` -> `/data/*/file_ids`."""
    return _INDEX.sub("*", pointer)


def detected_pointer(code: str, pointer: str, message: str) -> str:
    """Where the difference is: for a missing required property, the place of that property, not its object."""
    if code in _REQUIRED:
        found = _REQUIRED_PROPERTY.search(message)
        if found:
            return f"{pointer.rstrip('/')}/{found.group(1)}"
    return pointer


def schema_name(schema_location: str | None) -> str | None:
    found = _SCHEMA.search(schema_location or "")
    return found.group(1) if found else None


def find_rule(code: str, operation_id: str | None, pointer: str, schema: str | None) -> Rule | None:
    """The first rule that claims this difference (pointer already normalized), or None."""
    for rule in RULES:
        if rule.claims(code, operation_id, pointer, schema):
            return rule
    return None
