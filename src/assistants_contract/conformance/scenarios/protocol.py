"""Protocol rules: id prefixes, the error envelope on every 4xx, the beta header, the key.

Every object's id starts with its kind's prefix (`asst_`, `thread_`, `msg_`, `run_`, `step_`, `call_`; files
`file-`). Every refusal is `{"error": {"message", "type", "param", "code"}}` with a message a person can act
on: 404 for a well-formed id that names nothing, 400 for an id of the wrong kind, a body the operation does not
take or a query out of range, 400 `invalid_beta` without the `OpenAI-Beta` header, 401 without a key.
"""

from __future__ import annotations

from typing import Any

from .base import MODEL, ScenarioContext, scenario, tool_run, unknown_id
from .client import Reply

PREFIXES = {
    "assistant": "asst_",
    "thread": "thread_",
    "thread.message": "msg_",
    "thread.run": "run_",
    "thread.run.step": "step_",
}


def _prefixed(ctx: ScenarioContext, obj: Any, prefix: str, what: str, reply: Reply | None = None) -> None:
    value = obj.get("id") if isinstance(obj, dict) else obj
    ctx.check(
        isinstance(value, str) and value.startswith(prefix) and len(value) > len(prefix),
        f"{what}: id {value!r} does not start with {prefix}",
        reply,
    )


def _refusal(ctx: ScenarioContext, reply: Reply, status: int, what: str) -> dict[str, Any]:
    """A 4xx in the envelope whose `type` is a non-empty string (the API's is `invalid_request_error`)."""
    error = ctx.error(reply, status, what)
    ctx.check(
        isinstance(error.get("type"), str) and bool(error["type"]),
        f"{what}: error.type is {error.get('type')!r}, not a non-empty string",
        reply,
    )
    for key in ("param", "code"):
        ctx.check(
            error.get(key) is None or isinstance(error.get(key), str),
            f"{what}: error.{key} is {error.get(key)!r}, neither a string nor null",
            reply,
        )
    return error


@scenario(
    "id_prefixes",
    operations=(
        "createAssistant",
        "createThread",
        "createMessage",
        "createRun",
        "getRun",
        "submitToolOuputsToRun",
        "listMessages",
        "listRunSteps",
        "createThreadAndRun",
    ),
)
def id_prefixes(ctx: ScenarioContext) -> None:
    """Every object made has the id prefix of its kind: asst_, thread_, msg_, run_, step_, call_"""
    api = ctx.api
    thread, run, calls = tool_run(ctx)  # checks the call_ prefix of the tool calls it waits on
    _prefixed(ctx, run["assistant_id"], "asst_", "createAssistant")
    _prefixed(ctx, thread, "thread_", "createThread")
    _prefixed(ctx, run, "run_", "createRun")
    message = ctx.message(ctx.thread()["id"], "prefix check")
    _prefixed(ctx, message, "msg_", "createMessage")
    path = f"/threads/{thread['id']}/runs/{run['id']}"
    outputs = [{"tool_call_id": c["id"], "output": "sunny"} for c in calls]
    ctx.ok(api.post(f"{path}/submit_tool_outputs", {"tool_outputs": outputs}), "submitToolOuputsToRun")
    ctx.poll(run)
    reply = api.get(f"{path}/steps", limit=100)
    steps = ctx.ok(reply, "listRunSteps").get("data") or []
    ctx.check(bool(steps), "listRunSteps: a run that called a tool and finished lists no steps", reply)
    for step in steps:
        _prefixed(ctx, step, "step_", "listRunSteps", reply)
        details = step.get("step_details") or {}
        for call in details.get("tool_calls") or []:
            _prefixed(ctx, call, "call_", "listRunSteps (tool_calls step)", reply)
        if details.get("type") == "message_creation":
            made = (details.get("message_creation") or {}).get("message_id")
            _prefixed(ctx, made, "msg_", "listRunSteps (message_creation step)", reply)
    reply = api.get(f"/threads/{thread['id']}/messages", limit=100)
    for item in ctx.ok(reply, "listMessages").get("data") or []:
        _prefixed(ctx, item, "msg_", "listMessages", reply)
        _prefixed(ctx, item.get("thread_id"), "thread_", "listMessages (thread_id)", reply)
    reply = api.post("/threads/runs", {"assistant_id": run["assistant_id"], "tools": []})
    both = ctx.ok(reply, "createThreadAndRun")
    _prefixed(ctx, both, "run_", "createThreadAndRun", reply)
    _prefixed(ctx, both.get("thread_id"), "thread_", "createThreadAndRun (thread_id)", reply)
    ctx.poll(both)


@scenario(
    "unknown_ids",
    operations=("getAssistant", "getThread", "getMessage", "getRun", "getRunStep", "deleteAssistant", "createRun"),
)
def unknown_ids(ctx: ScenarioContext) -> None:
    """A well-formed id that names nothing answers 404 in the error envelope, for every kind of object"""
    api = ctx.api
    assistant = ctx.assistant(name="unknown ids")
    thread = ctx.thread()
    run = ctx.run(thread["id"], assistant["id"])
    run_path = f"/threads/{thread['id']}/runs/{run['id']}"
    asst, thr, msg, rn, stp = (unknown_id(p) for p in ("asst_", "thread_", "msg_", "run_", "step_"))
    cases = [
        ("GET", f"/assistants/{asst}", None, "getAssistant of an unknown assistant"),
        ("DELETE", f"/assistants/{asst}", None, "deleteAssistant of an unknown assistant"),
        ("GET", f"/threads/{thr}", None, "getThread of an unknown thread"),
        ("GET", f"/threads/{thr}/messages", None, "listMessages of an unknown thread"),
        ("GET", f"/threads/{thread['id']}/messages/{msg}", None, "getMessage of an unknown message"),
        ("GET", f"/threads/{thread['id']}/runs/{rn}", None, "getRun of an unknown run"),
        ("GET", f"/threads/{thr}/runs/{run['id']}", None, "getRun of a real run under an unknown thread"),
        ("GET", f"{run_path}/steps/{stp}", None, "getRunStep of an unknown step"),
        ("POST", f"/threads/{thread['id']}/runs", {"assistant_id": asst}, "createRun with an unknown assistant_id"),
    ]
    for method, path, body, what in cases:
        reply = api.call(method, path, json_body=body)
        error = _refusal(ctx, reply, 404, what)
        ctx.check(
            error.get("type") == "invalid_request_error",
            f"{what}: error.type is {error.get('type')!r}, the API's is invalid_request_error",
            reply,
        )


@scenario("wrong_id_prefix", operations=("getAssistant", "getThread", "getMessage", "getRun", "getRunStep"))
def wrong_id_prefix(ctx: ScenarioContext) -> None:
    """An id of the wrong kind (another object's prefix) answers 400, not 404, in the error envelope"""
    api = ctx.api
    assistant = ctx.assistant(name="wrong prefixes")
    thread = ctx.thread()
    message = ctx.message(thread["id"])
    run = ctx.run(thread["id"], assistant["id"])
    cases = [
        (f"/assistants/{thread['id']}", "getAssistant with a thread id"),
        (f"/threads/{assistant['id']}", "getThread with an assistant id"),
        (f"/threads/{thread['id']}/messages/{run['id']}", "getMessage with a run id"),
        (f"/threads/{thread['id']}/runs/{message['id']}", "getRun with a message id"),
        (f"/threads/{thread['id']}/runs/{run['id']}/steps/{run['id']}", "getRunStep with a run id"),
        ("/threads/1234", "getThread with id 1234"),
    ]
    for path, what in cases:
        _refusal(ctx, api.get(path), 400, what)


@scenario("invalid_requests", operations=("createAssistant", "createMessage", "listAssistants", "createThread"))
def invalid_requests(ctx: ScenarioContext) -> None:
    """A request the operation does not take answers 400 in the error envelope and changes nothing"""
    api = ctx.api
    thread = ctx.thread()
    messages = f"/threads/{thread['id']}/messages"
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/assistants", {"model": MODEL, "colour": "teal"}, "createAssistant with an unknown argument"),
        ("POST", "/assistants", {"model": MODEL, "name": 42}, "createAssistant with a number for name"),
        ("POST", "/assistants", {"model": MODEL, "tools": "function"}, "createAssistant with a string for tools"),
        ("POST", "/assistants", {"name": "no model"}, "createAssistant without model"),
        ("POST", messages, {"role": "user"}, "createMessage without content"),
        ("POST", messages, {"role": "moderator", "content": "hi"}, "createMessage with role moderator"),
        ("POST", messages, {"role": "user", "content": "hi", "priority": 1}, "createMessage with an unknown argument"),
        ("POST", "/threads", {"messages": "hello"}, "createThread with a string for messages"),
    ]
    for method, path, body, what in cases:
        _refusal(ctx, api.call(method, path, json_body=body), 400, what)
    headers = {**api.headers(), "Content-Type": "application/json"}
    for raw, what in ((b'{"model": "gpt-4o"', "cut off"), (b"model=gpt-4o", "form-encoded")):
        reply = api.call("POST", "/assistants", content=raw, headers=headers)
        _refusal(ctx, reply, 400, f"createAssistant with a body that is not JSON ({what})")
    for query, what in (({"limit": 0}, "limit=0"), ({"limit": 101}, "limit=101"), ({"order": "up"}, "order=up")):
        _refusal(ctx, api.get("/assistants", **query), 400, f"listAssistants {what}")
    _refusal(ctx, api.get("/assistants", limit="ten"), 400, "listAssistants limit=ten")
    reply = api.get(messages)
    listed = ctx.ok(reply, "listMessages").get("data")
    ctx.check(listed == [], f"listMessages: refused createMessage calls left {len(listed or [])} messages", reply)


@scenario("beta_header", operations=("listAssistants", "createThread", "getThread"))
def beta_header(ctx: ScenarioContext) -> None:
    """Without the OpenAI-Beta header every request answers 400 with code invalid_beta"""
    api = ctx.api
    thread = ctx.thread()
    bare = api.headers(omit=("OpenAI-Beta",))
    cases = [
        ("GET", "/assistants", None, "listAssistants"),
        ("POST", "/threads", {}, "createThread"),
        ("GET", f"/threads/{thread['id']}", None, "getThread of a real thread"),
    ]
    for method, path, body, operation in cases:
        reply = api.call(method, path, json_body=body, headers=bare)
        error = _refusal(ctx, reply, 400, f"{operation} without the OpenAI-Beta header")
        ctx.check(
            error.get("code") == "invalid_beta",
            f"{operation} without the OpenAI-Beta header: error.code is {error.get('code')!r}, not invalid_beta",
            reply,
        )
    reply = api.call("GET", f"/threads/{thread['id']}", headers={**bare, "OpenAI-Beta": "assistants=v9"})
    _refusal(ctx, reply, 400, "getThread with OpenAI-Beta: assistants=v9")


@scenario("api_key", operations=("listAssistants", "createAssistant", "getThread"))
def api_key(ctx: ScenarioContext) -> None:
    """Without an API key every request answers 401 in the error envelope"""
    api = ctx.api
    thread = ctx.thread()
    keyless = api.headers(omit=("Authorization",))
    cases = [
        ("GET", "/assistants", None, "listAssistants"),
        ("POST", "/assistants", {"model": MODEL}, "createAssistant"),
        ("GET", f"/threads/{thread['id']}", None, "getThread of a real thread"),
    ]
    for method, path, body, operation in cases:
        reply = api.call(method, path, json_body=body, headers=keyless)
        _refusal(ctx, reply, 401, f"{operation} without an API key")
