"""Behaviour scenarios: what the schema cannot say, checked with plain HTTP.

A scenario is a function of a `ScenarioContext`, registered with `@scenario(name, versions=..., operations=...)`.
It drives the server through one behaviour (a lifecycle, a pagination walk, a run to its end) and stops at the
first broken expectation with `ScenarioFailed`, which names the operation whose answer was wrong and keeps the
requests that led there. Each scenario makes the objects it needs, so scenarios do not depend on each other or
on what else is on the server.
"""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .client import Api, Reply

__all__ = [
    "SCENARIOS",
    "Scenario",
    "ScenarioContext",
    "ScenarioFailed",
    "message_text",
    "scenario",
    "tool_calls",
    "tool_run",
    "unknown_id",
]

MODEL = "gpt-4o"
TERMINAL_RUN_STATUSES = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
# How long a run may take to settle, and how many reads that may cost.
POLL_SECONDS = 60.0
MAX_POLLS = 50
TOOL_INSTRUCTIONS = "Always call get_weather for the city the user names before you answer."
TOOL_QUESTION = "What is the weather in Paris?"
WAITING = frozenset({"requires_action"}) | TERMINAL_RUN_STATUSES
FUNCTION_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class ScenarioFailed(AssertionError):
    """A broken expectation. `reply` is the answer that broke it (its operation is the one to blame)."""

    def __init__(self, message: str, reply: Reply | None = None, operation_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reply = reply
        self.operation_id = operation_id or (reply.operation_id if reply is not None else None)


@dataclass(frozen=True)
class Scenario:
    name: str
    versions: tuple[str, ...]
    operations: tuple[str, ...]  # the operations a passing run vouches for
    run: Callable[[ScenarioContext], None]
    doc: str

    @property
    def check(self) -> str:
        return f"scenario.{self.name}"


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, *, operations: tuple[str, ...], versions: tuple[str, ...] = ("v1", "v2")
) -> Callable[[Callable[[ScenarioContext], None]], Callable[[ScenarioContext], None]]:
    def register(func: Callable[[ScenarioContext], None]) -> Callable[[ScenarioContext], None]:
        if name in SCENARIOS:
            raise ValueError(f"a scenario named {name!r} is already registered")
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else name
        SCENARIOS[name] = Scenario(name, versions, operations, func, doc)
        return func

    return register


class ScenarioContext:
    """What a scenario works with: the API client for one version, and expectations that fail it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.version = api.version

    # --- expectations -------------------------------------------------------------------------------------

    def check(self, condition: bool, message: str, reply: Reply | None = None, *, operation: str | None = None) -> None:
        if not condition:
            raise ScenarioFailed(message, reply, operation)

    def status(self, reply: Reply, expected: int, what: str) -> Reply:
        """Fail unless `reply` has status `expected`; the message quotes what came instead."""
        if reply.status != expected:
            raise ScenarioFailed(f"{what}: expected {expected}, got {reply.status} {_excerpt(reply)}", reply)
        return reply

    def ok(self, reply: Reply, what: str) -> dict[str, Any]:
        """Fail unless `reply` is a 200 with a JSON object; return the object."""
        self.status(reply, 200, what)
        self.check(isinstance(reply.body, dict), f"{what}: the 200 answer is not a JSON object", reply)
        return reply.body

    def error(self, reply: Reply, expected: int, what: str) -> dict[str, Any]:
        """Fail unless `reply` is `expected` (a 4xx) in the API's error envelope; return the `error` object."""
        self.status(reply, expected, what)
        body = reply.body
        envelope = isinstance(body, dict) and isinstance(body.get("error"), dict)
        self.check(envelope, f'{what}: the {expected} answer is not an error envelope {{"error": {{...}}}}', reply)
        error = body["error"]
        missing = [k for k in ("message", "type", "param", "code") if k not in error]
        self.check(not missing, f"{what}: the error object lacks {', '.join(missing)}", reply)
        self.check(isinstance(error["message"], str) and bool(error["message"]), f"{what}: empty error message", reply)
        return error

    def deleted(self, reply: Reply, object_id: str, kind: str, what: str) -> None:
        """Fail unless `reply` is the API's deletion answer for `object_id`: `{id, object: <kind>.deleted,
        deleted: true}`."""
        body = self.ok(reply, what)
        expected = {"id": object_id, "object": f"{kind}.deleted", "deleted": True}
        self.check(
            body == expected,
            f"{what}: expected {{id: {object_id}, object: {kind}.deleted, deleted: true}}, got {body}",
            reply,
        )

    # --- making things ------------------------------------------------------------------------------------

    def assistant(self, **fields: Any) -> dict[str, Any]:
        return self.ok(self.api.post("/assistants", {"model": MODEL, **fields}), "createAssistant")

    def thread(self, **fields: Any) -> dict[str, Any]:
        return self.ok(self.api.post("/threads", fields), "createThread")

    def message(self, thread_id: str, text: str = "Hello", **fields: Any) -> dict[str, Any]:
        body = {"role": "user", "content": text, **fields}
        return self.ok(self.api.post(f"/threads/{thread_id}/messages", body), "createMessage")

    def run(self, thread_id: str, assistant_id: str, **fields: Any) -> dict[str, Any]:
        body = {"assistant_id": assistant_id, **fields}
        return self.ok(self.api.post(f"/threads/{thread_id}/runs", body), "createRun")

    def poll(self, run: dict[str, Any], *, until: frozenset[str] = TERMINAL_RUN_STATUSES) -> Reply:
        """Read the run until its status is in `until` (default: any terminal status); fail if it is not there
        within `POLL_SECONDS`. Between reads it waits as the server asks (`openai-poll-after-ms`, as the SDKs
        do), at most a second; a server that does not say gets a quarter of a second."""
        path = f"/threads/{run['thread_id']}/runs/{run['id']}"
        seen = []
        deadline = time.monotonic() + POLL_SECONDS
        while True:
            reply = self.api.get(path)
            body = self.ok(reply, "getRun")
            seen.append(body.get("status"))
            if body.get("status") in until:
                return reply
            if time.monotonic() >= deadline or len(seen) >= MAX_POLLS:
                break
            time.sleep(_poll_pause(reply))
        raise ScenarioFailed(
            f"getRun: the run never reached {' or '.join(sorted(until))} in {len(seen)} reads (statuses seen:"
            f" {', '.join(dict.fromkeys(str(s) for s in seen))})",
            reply,
        )

    def walk(self, path: str, **params: Any) -> Iterator[tuple[Reply, dict[str, Any]]]:
        """Every page of a list, following `after` = `last_id` while `has_more`; at most 50 pages."""
        query = dict(params)
        for _ in range(50):
            reply = self.api.get(path, **query)
            page = self.ok(reply, f"list {path}")
            yield reply, page
            if not page.get("has_more"):
                return
            self.check(bool(page.get("last_id")), f"list {path}: has_more is true but last_id is empty", reply)
            query["after"] = page["last_id"]
        raise ScenarioFailed(f"list {path}: still has_more after 50 pages", reply)


def _excerpt(reply: Reply, limit: int = 200) -> str:
    raw = reply.exchange.response.body if reply.exchange.response else b""
    text = (raw or b"").decode("utf-8", "replace").strip()
    return f"({text[:limit]}{'...' if len(text) > limit else ''})" if text else "(no body)"


def _poll_pause(reply: Reply) -> float:
    try:
        return min(max(int(reply.headers.get("openai-poll-after-ms", "250")), 0), 1000) / 1000
    except ValueError:
        return 0.25


def message_text(message: dict[str, Any]) -> str:
    """The text of a message's text parts, joined."""
    parts = message.get("content") or []
    return "".join(p.get("text", {}).get("value", "") for p in parts if isinstance(p, dict) and p.get("type") == "text")


def unknown_id(prefix: str) -> str:
    """A well-formed id that names nothing: the prefix and 24 letters and digits, as real ids look."""
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(24))


def tool_run(ctx: ScenarioContext) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A function-tool run polled to `requires_action`: (thread, the run as read then, its tool calls)."""
    assistant = ctx.assistant(name="tool user", instructions=TOOL_INSTRUCTIONS, tools=[FUNCTION_TOOL])
    thread = ctx.thread(messages=[{"role": "user", "content": TOOL_QUESTION}])
    run = ctx.run(thread["id"], assistant["id"])
    reply = ctx.poll(run, until=WAITING)
    return thread, reply.body, tool_calls(ctx, reply)


def tool_calls(ctx: ScenarioContext, reply: Reply) -> list[dict[str, Any]]:
    """The run in `reply` waits for tool outputs; return its tool calls, each a `call_` function call."""
    run = reply.body if isinstance(reply.body, dict) else {}
    ctx.check(
        run.get("status") == "requires_action",
        f"getRun: a run with a function tool, asked to call it, is {run.get('status')!r}; expected requires_action",
        reply,
    )
    action = run.get("required_action") or {}
    ctx.check(
        action.get("type") == "submit_tool_outputs",
        f"getRun: a run in requires_action has required_action.type {action.get('type')!r}, not submit_tool_outputs",
        reply,
    )
    calls = (action.get("submit_tool_outputs") or {}).get("tool_calls") or []
    ctx.check(bool(calls), "getRun: a run in requires_action lists no tool_calls to answer", reply)
    for call in calls:
        ctx.check(
            str(call.get("id", "")).startswith("call_"),
            f"getRun: tool call id {call.get('id')!r} does not start with call_",
            reply,
        )
        function = call.get("function") or {}
        ctx.check(
            call.get("type") == "function" and function.get("name") == FUNCTION_TOOL["function"]["name"],
            f"getRun: the tool call is {call.get('type')!r} {function.get('name')!r}; expected function get_weather",
            reply,
        )
        try:
            json.loads(function.get("arguments"))
        except (TypeError, ValueError):
            ctx.check(False, f"getRun: tool call arguments {function.get('arguments')!r} are not JSON text", reply)
    return calls
