"""Faults the reference server can be told to make, so that a conformance suite can prove it notices them.

A conformance suite that passes against a correct server has only shown half of what it must: it also has to
fail against the wrong ones. Each `Fault` here is one mistake that real Assistants-compatible servers make (a
missing field, a 201, an error without its envelope, a cursor ignored, a run that never ends, a stream without
`done`, a bad request let through), switched on with `create_app(faults=[...])` or `serve --fault NAME`.

A fault acts through one or two of the app's four hook points, each a plain function of plain data:

- `admit(match, found)`: the violations the core found in the request; returns those the server still acts
  on. What it leaves out is let through, and the backend sees it as `Call.overlooked`.
- `serve(call, handle, store)`: stands in for `handle(call)`, the backend call; `store` is the stateful
  backend's `Store` (None in mock mode).
- `respond(reply)`: the rendered JSON answer (payload, status, headers, media type) before it is sent.
- `stream(events)`: the `(event name, data text)` pairs of an event stream before they are sent.

A fault that needs the store's cooperation (no thread lock, runs that never move) names the `Store` flags it
turns off instead (`store_flags`). Every fault is deterministic: it does what its summary says on every request
it concerns, in both API versions. Nothing here imports the web framework; the store does not import this.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .._models import Violation
from ..contract.checks import Match
from .stateful import Result
from .store import Store

if TYPE_CHECKING:
    from .app import Call

__all__ = ["FAULTS", "KINDS", "Fault", "FaultSet", "Reply", "resolve_faults"]

Event = tuple[str, str]  # (event name, data as sent)
Handle = Callable[["Call"], Result]
AdmitHook = Callable[[Match, list[Violation]], list[Violation]]
ServeHook = Callable[["Call", Handle, Store | None], Result]


@dataclass(frozen=True, slots=True)
class Reply:
    """A JSON answer about to be sent. `payload` None sends no body at all (the server never sends JSON null)."""

    operation_id: str | None
    status: int
    payload: Any
    headers: Mapping[str, str]
    media_type: str = "application/json"


RespondHook = Callable[[Reply], Reply]
StreamHook = Callable[[list[Event]], list[Event]]

# Object fields, status codes and content types, the error envelope, pagination, the run lifecycle and the
# thread lock, event streams, request validation.
KINDS = ("fields", "status", "errors", "pagination", "lifecycle", "streaming", "validation")


@dataclass(frozen=True, slots=True)
class Fault:
    """One mistake the server can make. `operations` are the contract's operation ids whose answers it breaks."""

    name: str
    kind: str
    summary: str
    operations: tuple[str, ...]
    admit: AdmitHook | None = None
    serve: ServeHook | None = None
    respond: RespondHook | None = None
    stream: StreamHook | None = None
    store_flags: tuple[str, ...] = ()  # `Store` constructor flags this fault turns off


class FaultSet:
    """The hooks of the chosen faults, run in catalog order. With none chosen every hook hands its input back."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self.faults = tuple(faults)
        self._admit = [f.admit for f in self.faults if f.admit]
        self._serve = [f.serve for f in self.faults if f.serve]
        self._respond = [f.respond for f in self.faults if f.respond]
        self._stream = [f.stream for f in self.faults if f.stream]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.faults)

    @property
    def store_flags(self) -> dict[str, bool]:
        """Keyword arguments for `Store(...)`: the flags the faults turn off."""
        return {flag: False for fault in self.faults for flag in fault.store_flags}

    def admit(self, match: Match, found: list[Violation]) -> list[Violation]:
        for hook in self._admit:
            found = hook(match, found)
        return found

    def serve(self, call: Call, handle: Handle, store: Store | None) -> Result:
        # The first fault in catalog order is the outermost: it sees the call first and the result last.
        for hook in reversed(self._serve):
            handle = functools.partial(_serve_with, hook, handle, store)
        return handle(call)

    def respond(self, reply: Reply) -> Reply:
        for hook in self._respond:
            reply = hook(reply)
        return reply

    def stream(self, events: list[Event]) -> list[Event]:
        for hook in self._stream:
            events = hook(events)
        return events


def _serve_with(hook: ServeHook, handle: Handle, store: Store | None, call: Call) -> Result:
    return hook(call, handle, store)


# --- operation groups (the contracts' operation ids, typo included) ---------------------------------------------

LISTS = ("listAssistants", "listAssistantFiles", "listMessages", "listMessageFiles", "listRuns", "listRunSteps")
CREATES = (
    "createAssistant",
    "createAssistantFile",
    "createThread",
    "createMessage",
    "createRun",
    "createThreadAndRun",
)
DELETES = ("deleteAssistant", "deleteAssistantFile", "deleteThread", "deleteMessage")
WITH_BODY = (
    "createAssistant",
    "modifyAssistant",
    "createAssistantFile",
    "createThread",
    "modifyThread",
    "createMessage",
    "modifyMessage",
    "createRun",
    "createThreadAndRun",
    "modifyRun",
    "submitToolOuputsToRun",
)
RUN_ANSWERS = (
    "createRun",
    "createThreadAndRun",
    "getRun",
    "modifyRun",
    "cancelRun",
    "submitToolOuputsToRun",
    "listRuns",
)
STREAMS = ("createRun", "createThreadAndRun", "submitToolOuputsToRun")
ASSISTANT_ANSWERS = ("createAssistant", "getAssistant", "modifyAssistant", "listAssistants")
EVERY = tuple(
    dict.fromkeys(
        (
            *ASSISTANT_ANSWERS,
            "deleteAssistant",
            "listAssistantFiles",
            "createAssistantFile",
            "getAssistantFile",
            "deleteAssistantFile",
            "createThread",
            "getThread",
            "modifyThread",
            "deleteThread",
            "listMessages",
            "createMessage",
            "getMessage",
            "modifyMessage",
            "deleteMessage",
            "listMessageFiles",
            "getMessageFile",
            *RUN_ANSWERS,
            "listRunSteps",
            "getRunStep",
        )
    )
)
# Every operation that names an existing object, in its path or (runs) by assistant_id: they can answer 404.
BY_ID = tuple(op for op in EVERY if op not in ("listAssistants", "createAssistant", "createThread"))


# --- helpers ---------------------------------------------------------------------------------------------------


def _objects(kind: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> RespondHook:
    """A respond hook that changes every rendered object of `kind`, alone or in a list page.

    `change` gets a copy and returns the object to send: rendered objects share nested values with the store's.
    """

    def hook(reply: Reply) -> Reply:
        payload = reply.payload
        if not isinstance(payload, dict):
            return reply
        if payload.get("object") == "list" and isinstance(payload.get("data"), list):
            data = [change(dict(o)) if isinstance(o, dict) and o.get("object") == kind else o for o in payload["data"]]
            return replace(reply, payload={**payload, "data": data})
        if payload.get("object") == kind:
            return replace(reply, payload=change(dict(payload)))
        return reply

    return hook


def _lists(change: Callable[[dict[str, Any]], dict[str, Any]]) -> RespondHook:
    def hook(reply: Reply) -> Reply:
        if isinstance(reply.payload, dict) and reply.payload.get("object") == "list":
            return replace(reply, payload=change(dict(reply.payload)))
        return reply

    return hook


def _errors(change: Callable[[Reply], Reply], statuses: range = range(400, 600)) -> RespondHook:
    """A respond hook for error answers (`{"error": {...}}` with a status in `statuses`)."""

    def hook(reply: Reply) -> Reply:
        error = reply.payload.get("error") if isinstance(reply.payload, dict) else None
        return change(reply) if reply.status in statuses and isinstance(error, dict) else reply

    return hook


def _overlook(kept: Callable[[Match, Violation], bool]) -> AdmitHook:
    """An admit hook that lets through every violation `kept` says no to."""

    def hook(match: Match, found: list[Violation]) -> list[Violation]:
        return [v for v in found if kept(match, v)]

    return hook


def _query(operations: tuple[str, ...], change: Callable[[dict[str, Any]], dict[str, Any]]) -> ServeHook:
    """A serve hook that changes the query of the given operations before the backend sees it."""

    def hook(call: Call, handle: Handle, store: Store | None) -> Result:
        if call.operation_id in operations:
            call = replace(call, query=change(dict(call.query)))
        return handle(call)

    return hook


def _top_key(pointer: str) -> str:
    """The top-level key a JSON pointer starts with (`/tools/0/type` -> `tools`); "" for the root."""
    head = pointer.lstrip("/").split("/", 1)[0] if pointer else ""
    return head.replace("~1", "/").replace("~0", "~")


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _rewrite_events(rename: Callable[[str, str], Event | None]) -> StreamHook:
    """A stream hook that maps each event to another one (or drops it, for None)."""

    def hook(events: list[Event]) -> list[Event]:
        return [e for e in (rename(name, data) for name, data in events) if e is not None]

    return hook


# --- fields ----------------------------------------------------------------------------------------------------

_WRONG_ASSISTANT_PREFIX, _ASSISTANT_PREFIX = "assistant-", "asst_"


def _outbound_assistant(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy with the wrong prefix, for an assistant (or its deletion); other objects as they are."""
    if obj.get("object") in ("assistant", "assistant.deleted"):
        return {**obj, "id": _WRONG_ASSISTANT_PREFIX + obj["id"].removeprefix(_ASSISTANT_PREFIX)}
    return obj


def _assistant_id_in(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_WRONG_ASSISTANT_PREFIX):
        return _ASSISTANT_PREFIX + value.removeprefix(_WRONG_ASSISTANT_PREFIX)
    return value


def _wrong_prefix_let_through(match: Match, v: Violation) -> bool:
    """Keep every violation but the ones the server's own `assistant-` ids cause when they come back."""
    if v.pointer != "/assistant_id":
        return True
    if v.code == "request.path.invalid":
        return not match.path_params.get("assistant_id", "").startswith(_WRONG_ASSISTANT_PREFIX)
    if v.code == "request.body.schema":
        try:
            body = match.json_body()
        except ValueError:
            return True
        return not (isinstance(body, dict) and str(body.get("assistant_id", "")).startswith(_WRONG_ASSISTANT_PREFIX))
    return True


def _wrong_prefix_serve(call: Call, handle: Handle, store: Store | None) -> Result:
    params = {k: _assistant_id_in(v) if k == "assistant_id" else v for k, v in call.params.items()}
    body = call.body
    if isinstance(body, dict) and "assistant_id" in body:
        body = {**body, "assistant_id": _assistant_id_in(body["assistant_id"])}
    result = handle(replace(call, params=params, body=body))
    if not isinstance(result, dict):
        return result  # a stream: its events name the assistant only in run objects, which keep `asst_`
    if result.get("object") == "list":
        return {**result, "data": [_outbound_assistant(o) for o in result["data"]]}
    return _outbound_assistant(result)


# --- status codes and content types ----------------------------------------------------------------------------

_SERVER_ERROR = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}


def _created_201(reply: Reply) -> Reply:
    return replace(reply, status=201) if reply.operation_id in CREATES and reply.status == 200 else reply


def _text_plain(reply: Reply) -> Reply:
    return replace(reply, media_type="text/plain")


def _not_found_500(reply: Reply) -> Reply:
    if reply.status == 404 and reply.operation_id is not None:
        return replace(reply, status=500, payload=_SERVER_ERROR)
    return reply


def _deleted_204(reply: Reply) -> Reply:
    if reply.operation_id in DELETES and reply.status == 200:
        return replace(reply, status=204, payload=None)
    return reply


# --- pagination ------------------------------------------------------------------------------------------------


def _swap_first_last(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "first_id": page.get("last_id"), "last_id": page.get("first_id")}


# --- lifecycle -------------------------------------------------------------------------------------------------


def _any_tool_call_ids(call: Call, handle: Handle, store: Store | None) -> Result:
    """Give the outputs the ids the run asked for, by position (missing ones answered with an empty output)."""
    if call.operation_id == "submitToolOuputsToRun" and store is not None and isinstance(call.body, dict):
        run = store.get_run(call.params["thread_id"], call.params["run_id"], advance=False)
        if run["status"] == "requires_action" and run["required_action"]:
            expected = [c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
            given = list(call.body.get("tool_outputs") or [])
            outputs = [
                {"tool_call_id": call_id, "output": (given[i].get("output") if i < len(given) else None) or ""}
                for i, call_id in enumerate(expected)
            ]
            call = replace(call, body={**call.body, "tool_outputs": outputs})
    return handle(call)


def _cancel_ignored(call: Call, handle: Handle, store: Store | None) -> Result:
    if call.operation_id != "cancelRun":
        return handle(call)
    if store is not None:
        return store.get_run(call.params["thread_id"], call.params["run_id"], advance=False)
    return handle(replace(call, operation_id="getRun", body={}))


# deleteX -> (the operation that reads X, what the deletion answer's `object` says, the path id it names)
_DELETED = {
    "deleteAssistant": ("getAssistant", "assistant.deleted", "assistant_id"),
    "deleteAssistantFile": ("getAssistantFile", "assistant.file.deleted", "file_id"),
    "deleteThread": ("getThread", "thread.deleted", "thread_id"),
    "deleteMessage": ("getMessage", "thread.message.deleted", "message_id"),
}


def _delete_keeps(call: Call, handle: Handle, store: Store | None) -> Result:
    if call.operation_id not in _DELETED:
        return handle(call)
    getter, kind, name = _DELETED[call.operation_id]
    handle(replace(call, operation_id=getter, body={}))  # an unknown id still gets its 404
    return {"id": call.params[name], "object": kind, "deleted": True}


# --- streaming -------------------------------------------------------------------------------------------------


def _completed_first(events: list[Event]) -> list[Event]:
    names = [name for name, _ in events]
    if "thread.run.completed" not in names or "thread.message.created" not in names:
        return events  # a run that stops for tool calls, or ends without a message
    done = names.index("thread.run.completed")
    rest = events[:done] + events[done + 1 :]
    at = names.index("thread.message.created")  # before `done`, so the same index in `rest`
    return [*rest[:at], events[done], *rest[at:]]


def _broken_json(events: list[Event]) -> list[Event]:
    """Cut the closing brace off the first event's data."""
    if not events or events[0][0] == "done":
        return events
    name, data = events[0]
    return [(name, data[:-1]), *events[1:]]


_STREAMED_EXTRA = " (as streamed)"


def _text_differs(name: str, data: str) -> Event:
    if name != "thread.message.completed":
        return (name, data)
    message = json.loads(data)
    for part in message.get("content") or []:
        if part.get("type") == "text":
            part["text"]["value"] += _STREAMED_EXTRA
    return (name, json.dumps(message))


# --- validation ------------------------------------------------------------------------------------------------


def _required_keys(match: Match) -> frozenset[str]:
    operation = match.operation
    if operation is None or not operation.body_schemas:
        return frozenset()
    key = operation.body_schemas.get(match.request.headers.media_type() or "")
    node = match.document.schemas.node(key or next(iter(operation.body_schemas.values())))
    return frozenset(node.get("required") or ()) if isinstance(node, dict) else frozenset()


def _bad_body_let_through(match: Match, v: Violation) -> bool:
    """Still refuse a bad body where the fault cannot just leave the bad part out: where that part is a required
    top-level argument, or the body as a whole (a required key missing, not an object)."""
    if v.code not in ("request.body.unknown_property", "request.body.schema"):
        return True
    key = _top_key(v.pointer)
    return not key or key in _required_keys(match)


def _drop_bad_parts(call: Call, handle: Handle, store: Store | None) -> Result:
    bad = {_top_key(v.pointer) for v in call.overlooked if v.code.startswith("request.body.")}
    if bad and isinstance(call.body, dict):
        call = replace(call, body={k: v for k, v in call.body.items() if k not in bad})
    return handle(call)


def _limit_let_through(match: Match, v: Violation) -> bool:
    if v.code != "request.query.invalid" or v.pointer != "/limit":
        return True
    return _int((match.query.get("limit") or [""])[-1]) is None  # not a number at all: still refused


def _limit_as_sent(call: Call, handle: Handle, store: Store | None) -> Result:
    limit = call.query.get("limit")
    if call.operation_id in LISTS and isinstance(limit, int) and limit < 1:
        call = replace(call, query={**call.query, "limit": 0})  # a slice by a negative number would cut the tail
    return handle(call)


# --- the catalog -----------------------------------------------------------------------------------------------

_CATALOG = (
    # fields
    Fault(
        "assistant-no-model",
        "fields",
        "Assistant objects are answered without their required `model`.",
        ASSISTANT_ANSWERS,
        respond=_objects("assistant", lambda o: {k: v for k, v in o.items() if k != "model"}),
    ),
    Fault(
        "run-created-at-string",
        "fields",
        "Run objects in JSON answers carry `created_at` as a string of digits instead of an integer.",
        RUN_ANSWERS,
        respond=_objects("thread.run", lambda o: {**o, "created_at": str(o["created_at"])}),
    ),
    Fault(
        "run-status-running",
        "fields",
        "A run that is `in_progress` is answered with status `running`, which is not in the enum.",
        RUN_ANSWERS,
        respond=_objects("thread.run", lambda o: {**o, "status": "running"} if o.get("status") == "in_progress" else o),
    ),
    Fault(
        "thread-metadata-null",
        "fields",
        "Thread objects are answered with `metadata: null` instead of an object (`{}` when none was set).",
        ("createThread", "getThread", "modifyThread"),
        respond=_objects("thread", lambda o: {**o, "metadata": None}),
    ),
    Fault(
        "message-object-name",
        "fields",
        'Message objects say `object: "message"` instead of `"thread.message"`.',
        ("createMessage", "getMessage", "modifyMessage", "listMessages"),
        respond=_objects("thread.message", lambda o: {**o, "object": "message"}),
    ),
    Fault(
        "assistant-id-prefix",
        "fields",
        "Assistant ids are answered as `assistant-...` instead of `asst_...` (and accepted back in that form).",
        (*ASSISTANT_ANSWERS, "deleteAssistant"),
        admit=_overlook(_wrong_prefix_let_through),
        serve=_wrong_prefix_serve,
    ),
    # status codes and content types
    Fault(
        "create-201",
        "status",
        "Creates answer 201 instead of 200.",
        CREATES,
        respond=_created_201,
    ),
    Fault(
        "json-as-text-plain",
        "status",
        "JSON answers (errors too) are sent with `Content-Type: text/plain`.",
        EVERY,
        respond=_text_plain,
    ),
    Fault(
        "unknown-id-500",
        "status",
        "An unknown id is answered 500 `server_error` instead of 404.",
        BY_ID,
        respond=_not_found_500,
    ),
    Fault(
        "delete-204",
        "status",
        "Deletes answer 204 with no body instead of 200 with the deletion object.",
        DELETES,
        respond=_deleted_204,
    ),
    # the error envelope
    Fault(
        "error-unwrapped",
        "errors",
        'Error answers (4xx) are a bare `{"message": ...}` without the `error` object around it.',
        EVERY,
        respond=_errors(lambda r: replace(r, payload={"message": r.payload["error"]["message"]}), range(400, 500)),
    ),
    Fault(
        "error-no-param-code",
        "errors",
        "Error objects leave out `param` and `code`.",
        EVERY,
        respond=_errors(
            lambda r: replace(
                r, payload={"error": {k: v for k, v in r.payload["error"].items() if k not in ("param", "code")}}
            )
        ),
    ),
    # pagination
    Fault(
        "has-more-false",
        "pagination",
        "List pages always say `has_more: false`, even when more items follow.",
        LISTS,
        respond=_lists(lambda page: {**page, "has_more": False}),
    ),
    Fault(
        "after-ignored",
        "pagination",
        "The `after` cursor is ignored: every page is the first one.",
        LISTS,
        serve=_query(LISTS, lambda q: {k: v for k, v in q.items() if k != "after"}),
    ),
    Fault(
        "limit-ignored",
        "pagination",
        "`limit` is ignored: pages hold up to 20 items whatever was asked.",
        LISTS,
        serve=_query(LISTS, lambda q: {**q, "limit": 20}),
    ),
    Fault(
        "order-ignored",
        "pagination",
        "`order` is ignored: lists always come newest first (`desc`).",
        LISTS,
        serve=_query(LISTS, lambda q: {**q, "order": "desc"}),
    ),
    Fault(
        "first-last-swapped",
        "pagination",
        "List pages swap `first_id` and `last_id`.",
        LISTS,
        respond=_lists(_swap_first_last),
    ),
    # lifecycle
    Fault(
        "runs-stay-queued",
        "lifecycle",
        "Runs never leave `queued`: reading them does not move them on, and a streamed run ends after"
        " `thread.run.created`.",
        (*RUN_ANSWERS, "listRunSteps", "getRunStep"),
        store_flags=("advance_runs",),
    ),
    Fault(
        "tool-outputs-any-id",
        "lifecycle",
        "`submit_tool_outputs` takes outputs with wrong or missing `tool_call_id`s (matched to the calls by"
        " position) and completes the run, instead of answering 400.",
        ("submitToolOuputsToRun",),
        serve=_any_tool_call_ids,
    ),
    Fault(
        "cancel-ignored",
        "lifecycle",
        "Cancel answers the run as it is without cancelling it, and the run goes on to complete.",
        ("cancelRun",),
        serve=_cancel_ignored,
    ),
    Fault(
        "no-thread-lock",
        "lifecycle",
        "A thread with an active run still takes new messages and a second run.",
        ("createMessage", "createRun"),
        store_flags=("thread_lock",),
    ),
    Fault(
        "delete-keeps",
        "lifecycle",
        "Deletes answer `deleted: true` but delete nothing: the object is still there on GET.",
        (*DELETES, "getAssistant", "getAssistantFile", "getThread", "getMessage"),
        serve=_delete_keeps,
    ),
    # streaming
    Fault(
        "stream-no-done",
        "streaming",
        "Event streams end without the final `done` event.",
        STREAMS,
        stream=_rewrite_events(lambda name, data: None if name == "done" else (name, data)),
    ),
    Fault(
        "stream-out-of-order",
        "streaming",
        "A streamed run that completes sends `thread.run.completed` before its `thread.message.*` events.",
        STREAMS,
        stream=_completed_first,
    ),
    Fault(
        "stream-misnamed-event",
        "streaming",
        "`thread.run.completed` is sent as `thread.run.complete`.",
        STREAMS,
        stream=_rewrite_events(
            lambda name, data: ("thread.run.complete" if name == "thread.run.completed" else name, data)
        ),
    ),
    Fault(
        "stream-broken-json",
        "streaming",
        "The first event of a stream has its data cut short by the closing brace, so it is not JSON.",
        STREAMS,
        stream=_broken_json,
    ),
    Fault(
        "stream-text-mismatch",
        "streaming",
        f"The text in `thread.message.completed` ends with {_STREAMED_EXTRA.strip()!r}, which the message read"
        " back with getMessage does not have.",
        STREAMS,
        stream=_rewrite_events(_text_differs),
    ),
    # validation
    Fault(
        "accept-invalid-body",
        "validation",
        "Unknown arguments and values that break the schema get 200 instead of 400: the server leaves out the"
        " top-level arguments holding them and serves the rest (a required argument missing or bad is still"
        " refused).",
        WITH_BODY,
        admit=_overlook(_bad_body_let_through),
        serve=_drop_bad_parts,
    ),
    Fault(
        "accept-missing-beta",
        "validation",
        "A request without the `OpenAI-Beta` header is served as the default version instead of answered 400"
        " `invalid_beta`.",
        EVERY,
        admit=_overlook(lambda match, v: not (v.code == "request.header.missing" and v.pointer == "/openai-beta")),
    ),
    Fault(
        "accept-missing-key",
        "validation",
        "A request without an API key is served instead of answered 401.",
        EVERY,
        admit=_overlook(lambda match, v: v.code != "request.auth.missing"),
    ),
    Fault(
        "accept-any-limit",
        "validation",
        "`limit` outside 1..100 is served instead of answered 400: 0 or less gives an empty page, more than 100"
        " up to that many items.",
        LISTS,
        admit=_overlook(_limit_let_through),
        serve=_limit_as_sent,
    ),
)

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _CATALOG}


def resolve_faults(names: Iterable[str]) -> FaultSet:
    """The faults named, in catalog order (a name given twice counts once). ValueError names the valid ones."""
    wanted = set()
    for name in names:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; valid faults: {', '.join(FAULTS)}")
        wanted.add(name)
    return FaultSet(fault for fault in FAULTS.values() if fault.name in wanted)
