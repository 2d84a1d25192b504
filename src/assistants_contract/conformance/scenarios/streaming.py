"""Streamed runs: event order, one done, events that agree with what a GET reads later.

A streamed run answers `text/event-stream`: `event: <name>` with JSON `data` (the object the event is about),
and last a single `done` whose data is the literal `[DONE]`. The stream ends when the run does, or when it
stops at `requires_action`; submit_tool_outputs with `"stream": true` opens the next one. Each object an event
carries must be the object a later GET reads: same ids, the run's final status, the message's final text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import FUNCTION_TOOL, TOOL_INSTRUCTIONS, TOOL_QUESTION, ScenarioContext, message_text, scenario
from .client import Reply

RUN_EVENT_STATUSES = {
    "thread.run.created": "queued",
    "thread.run.queued": "queued",
    "thread.run.in_progress": "in_progress",
    "thread.run.requires_action": "requires_action",
    "thread.run.completed": "completed",
    "thread.run.incomplete": "incomplete",
    "thread.run.failed": "failed",
    "thread.run.cancelling": "cancelling",
    "thread.run.cancelled": "cancelled",
    "thread.run.expired": "expired",
}
RUN_STOPS = {"thread.run.requires_action", "thread.run.completed", "thread.run.incomplete", "thread.run.failed"}
RUN_STOPS |= {"thread.run.cancelled", "thread.run.expired"}


@dataclass
class Stream:
    """A checked stream: its events (name, data) without the final `done`, and what they said."""

    reply: Reply
    events: list[tuple[str, Any]]
    names: list[str] = field(default_factory=list)
    runs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # the thread.run.* events
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the last message event's data
    texts: dict[str, str] = field(default_factory=dict)  # message id -> the text its deltas add up to
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the last step event's data

    @property
    def last_run(self) -> dict[str, Any]:
        return self.runs[-1][1]


def read_stream(ctx: ScenarioContext, reply: Reply, what: str, known_steps: frozenset[str] = frozenset()) -> Stream:
    """Check what holds for every run stream, and gather what it said.

    200 as `text/event-stream`; JSON data on every event; exactly one `done`, last, with data `[DONE]`; run
    events of one run, none after the one it stops with; each step and message created before its deltas and
    its completion (or, for `known_steps`, in an earlier stream of the run), and a completed message's text
    equal to its deltas joined.
    """
    ctx.status(reply, 200, what)
    media = reply.headers.media_type()
    ctx.check(media == "text/event-stream", f"{what}: answered {media!r}, not text/event-stream", reply)
    ctx.check(bool(reply.events), f"{what}: the stream holds no events", reply)
    names = [e.event for e in reply.events]
    done = [i for i, name in enumerate(names) if name == "done"]
    ctx.check(len(done) == 1, f"{what}: {len(done)} done events; expected exactly one", reply)
    ctx.check(done[0] == len(names) - 1, f"{what}: events follow done: {names[done[0] + 1 :][:5]}", reply)
    ctx.check(
        reply.events[-1].data.strip() == "[DONE]",
        f"{what}: the done event's data is {reply.events[-1].data[:40]!r}, not [DONE]",
        reply,
    )
    events = list(reply.event_data())[:-1]
    stream = Stream(reply, events, names[:-1])
    created_messages: set[str] = set()
    created_steps: set[str] = set(known_steps)
    for index, (name, data) in enumerate(events):
        at = f"{what}: event #{index + 1} {name}"
        ctx.check(isinstance(data, dict), f"{at}: data is not a JSON object ({str(data)[:60]!r})", reply)
        if name in RUN_EVENT_STATUSES:
            ctx.check(
                not stream.runs or stream.runs[-1][0] not in RUN_STOPS,
                f"{at}: comes after {stream.runs[-1][0] if stream.runs else ''}, which ends the stream's run",
                reply,
            )
            if stream.runs:
                ctx.check(
                    data.get("id") == stream.last_run.get("id"),
                    f"{at}: is about run {data.get('id')}, the stream's run is {stream.last_run.get('id')}",
                    reply,
                )
            if name != "thread.run.created":
                ctx.check(
                    data.get("status") == RUN_EVENT_STATUSES[name],
                    f"{at}: carries a run in status {data.get('status')!r}",
                    reply,
                )
            stream.runs.append((name, data))
        elif name.startswith("thread.run.step."):
            step_id = data.get("id")
            if name == "thread.run.step.created":
                created_steps.add(step_id)
            ctx.check(step_id in created_steps, f"{at}: step {step_id} was not created earlier in the stream", reply)
            if name != "thread.run.step.delta":
                stream.steps[step_id] = data
        elif name.startswith("thread.message."):
            message_id = data.get("id")
            if name == "thread.message.created":
                created_messages.add(message_id)
                stream.texts[message_id] = ""
            ctx.check(
                message_id in created_messages,
                f"{at}: message {message_id} was not created earlier in the stream",
                reply,
            )
            if name == "thread.message.delta":
                for part in (data.get("delta") or {}).get("content") or []:
                    if part.get("type") == "text":
                        stream.texts[message_id] += (part.get("text") or {}).get("value") or ""
            else:
                stream.messages[message_id] = data
            if name == "thread.message.completed":
                ctx.check(
                    message_text(data) == stream.texts[message_id],
                    f"{at}: the completed text {message_text(data)[:80]!r} is not its deltas joined"
                    f" {stream.texts[message_id][:80]!r}",
                    reply,
                )
    ctx.check(bool(stream.runs), f"{what}: no thread.run.* event in the stream", reply)
    ctx.check(
        stream.runs[-1][0] in RUN_STOPS,
        f"{what}: the last run event is {stream.runs[-1][0]}; a stream ends when the run stops",
        reply,
    )
    for step_id, step in stream.steps.items():
        if stream.last_run.get("status") != "requires_action" or step.get("type") != "tool_calls":
            ctx.check(
                step.get("status") != "in_progress",
                f"{what}: step {step_id} is left in_progress when the stream ends (no thread.run.step.completed)",
                reply,
            )
    return stream


def agrees(ctx: ScenarioContext, stream: Stream, thread_id: str) -> None:
    """What the stream said is what GET reads now: the run, every message and every step it mentioned."""
    api = ctx.api
    run = stream.last_run
    reply = api.get(f"/threads/{thread_id}/runs/{run['id']}")
    read = ctx.ok(reply, "getRun")
    ctx.check(
        read.get("id") == run["id"] and read.get("status") == run.get("status"),
        f"getRun: the stream ended with run {run['id']} {run.get('status')!r}, GET reads {read.get('id')}"
        f" {read.get('status')!r}",
        reply,
    )
    for message_id, message in stream.messages.items():
        reply = api.get(f"/threads/{thread_id}/messages/{message_id}")
        read = ctx.ok(reply, f"getMessage of streamed message {message_id}")
        ctx.check(
            message_text(read) == message_text(message) and read.get("run_id") == run["id"],
            f"getMessage: streamed message {message_id} said {message_text(message)[:80]!r}"
            f" (run_id {message.get('run_id')}), GET reads {message_text(read)[:80]!r} (run_id {read.get('run_id')})",
            reply,
        )
    reply = api.get(f"/threads/{thread_id}/runs/{run['id']}/steps", limit=100)
    listed = {s.get("id"): s for s in ctx.ok(reply, "listRunSteps").get("data") or []}
    for step_id, step in stream.steps.items():
        ctx.check(step_id in listed, f"listRunSteps: streamed step {step_id} is not listed", reply)
        ctx.check(
            listed[step_id].get("status") == step.get("status") and listed[step_id].get("type") == step.get("type"),
            f"listRunSteps: streamed step {step_id} ended {step.get('type')} {step.get('status')!r}, listed as"
            f" {listed[step_id].get('type')} {listed[step_id].get('status')!r}",
            reply,
        )


def _before(ctx: ScenarioContext, stream: Stream, first: str, then: str, what: str) -> None:
    """`first` occurs, and before the first `then` (when `then` occurs)."""
    ctx.check(first in stream.names, f"{what}: no {first} event (events: {_summary(stream.names)})", stream.reply)
    if then in stream.names:
        ctx.check(
            stream.names.index(first) < stream.names.index(then),
            f"{what}: {then} comes before {first}",
            stream.reply,
        )


def _summary(names: list[str]) -> str:
    """Event names with repeats folded (`thread.message.delta x7`)."""
    folded: list[str] = []
    for name in names:
        if folded and folded[-1].split(" x")[0] == name:
            count = int(folded[-1].split(" x")[1]) + 1 if " x" in folded[-1] else 2
            folded[-1] = f"{name} x{count}"
        else:
            folded.append(name)
    return ", ".join(folded)


def _completed_run(ctx: ScenarioContext, stream: Stream, what: str) -> None:
    """The order of a run streamed to completion, with a reply message."""
    ctx.check(
        stream.names[0] in ("thread.run.created", "thread.created"),
        f"{what}: the first event is {stream.names[0]}",
        stream.reply,
    )
    ctx.check(
        stream.last_run.get("status") == "completed",
        f"{what}: the run ended {stream.runs[-1][0]} (events: {_summary(stream.names)})",
        stream.reply,
    )
    _before(ctx, stream, "thread.run.in_progress", "thread.run.completed", what)
    if "thread.run.queued" in stream.names:
        _before(ctx, stream, "thread.run.queued", "thread.run.in_progress", what)
    _before(ctx, stream, "thread.run.step.created", "thread.run.step.completed", what)
    _before(ctx, stream, "thread.message.created", "thread.message.delta", what)
    _before(ctx, stream, "thread.message.delta", "thread.message.completed", what)
    ctx.check(
        "thread.message.completed" in stream.names,
        f"{what}: the run completed without a thread.message.completed",
        stream.reply,
    )
    ctx.check(
        stream.names.index("thread.message.completed") < stream.names.index("thread.run.completed"),
        f"{what}: thread.run.completed comes before the run's message completed",
        stream.reply,
    )
    kinds = [s.get("type") for s in stream.steps.values()]
    ctx.check("message_creation" in kinds, f"{what}: no message_creation step (steps: {kinds})", stream.reply)


@scenario("stream_run", operations=("createRun", "getRun", "getMessage", "listRunSteps"))
def stream_run(ctx: ScenarioContext) -> None:
    """A streamed run sends its events in order, ends with one done, and agrees with GET afterwards"""
    assistant = ctx.assistant(name="streamer", instructions="Answer in one sentence.")
    thread = ctx.thread()
    ctx.message(thread["id"], "Name a planet.")
    what = "createRun with stream"
    reply = ctx.api.post(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "stream": True})
    stream = read_stream(ctx, reply, what)
    ctx.check(stream.names[0] == "thread.run.created", f"{what}: the first event is {stream.names[0]}", reply)
    ctx.check("thread.created" not in stream.names, f"{what}: createRun streamed a thread.created", reply)
    _completed_run(ctx, stream, what)
    created = stream.runs[0][1]
    ctx.check(
        created.get("thread_id") == thread["id"] and created.get("assistant_id") == assistant["id"],
        f"{what}: thread.run.created is about thread {created.get('thread_id')} and assistant"
        f" {created.get('assistant_id')}",
        reply,
    )
    for message in stream.messages.values():
        ctx.check(
            message.get("thread_id") == thread["id"] and message.get("role") == "assistant",
            f"{what}: streamed message {message.get('id')} is a {message.get('role')!r} message of thread"
            f" {message.get('thread_id')}",
            reply,
        )
    agrees(ctx, stream, thread["id"])


@scenario("stream_thread_and_run", operations=("createThreadAndRun", "getThread", "getRun", "getMessage"))
def stream_thread_and_run(ctx: ScenarioContext) -> None:
    """A streamed createThreadAndRun announces its thread first, then runs on it to completion"""
    assistant = ctx.assistant(name="streamer", instructions="Answer in one sentence.")
    what = "createThreadAndRun with stream"
    body = {
        "assistant_id": assistant["id"],
        "thread": {"messages": [{"role": "user", "content": "Name a river."}]},
        "stream": True,
    }
    reply = ctx.api.post("/threads/runs", body)
    stream = read_stream(ctx, reply, what)
    ctx.check(
        stream.names[:2] == ["thread.created", "thread.run.created"],
        f"{what}: the stream starts {stream.names[:2]}; expected thread.created, thread.run.created",
        reply,
    )
    thread = stream.events[0][1]
    ctx.check(
        str(thread.get("id", "")).startswith("thread_") and stream.runs[0][1].get("thread_id") == thread.get("id"),
        f"{what}: thread.created is thread {thread.get('id')!r}, the run is on {stream.runs[0][1].get('thread_id')!r}",
        reply,
    )
    _completed_run(ctx, stream, what)
    reply = ctx.api.get(f"/threads/{thread['id']}")
    ctx.check(ctx.ok(reply, "getThread").get("id") == thread["id"], "getThread: the streamed thread is another", reply)
    agrees(ctx, stream, thread["id"])


@scenario("stream_tool_outputs", operations=("createRun", "submitToolOuputsToRun", "getRun", "getMessage"))
def stream_tool_outputs(ctx: ScenarioContext) -> None:
    """A streamed run stops at requires_action with done; streamed tool outputs carry it on to completed"""
    api = ctx.api
    assistant = ctx.assistant(name="streaming tool user", instructions=TOOL_INSTRUCTIONS, tools=[FUNCTION_TOOL])
    thread = ctx.thread(messages=[{"role": "user", "content": TOOL_QUESTION}])
    what = "createRun with stream and a function tool"
    reply = api.post(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "stream": True})
    stream = read_stream(ctx, reply, what)
    ctx.check(
        stream.runs[-1][0] == "thread.run.requires_action",
        f"{what}: the run stopped with {stream.runs[-1][0]}, expected thread.run.requires_action"
        f" (events: {_summary(stream.names)})",
        reply,
    )
    _before(ctx, stream, "thread.run.step.created", "thread.run.requires_action", what)
    calls = ((stream.last_run.get("required_action") or {}).get("submit_tool_outputs") or {}).get("tool_calls") or []
    ctx.check(bool(calls), f"{what}: thread.run.requires_action lists no tool calls", reply)
    ctx.check(
        all(str(c.get("id", "")).startswith("call_") for c in calls),
        f"{what}: tool call ids {[c.get('id') for c in calls]} do not all start with call_",
        reply,
    )
    tool_steps = [s for s in stream.steps.values() if s.get("type") == "tool_calls"]
    ctx.check(bool(tool_steps), f"{what}: no tool_calls step was streamed before requires_action", reply)
    run = stream.last_run
    path = f"/threads/{thread['id']}/runs/{run['id']}"
    reply = api.get(path)
    read = ctx.ok(reply, "getRun")
    ctx.check(
        read.get("status") == "requires_action",
        f"getRun: the stream stopped at requires_action, GET reads {read.get('status')!r}",
        reply,
    )
    ids = [
        c.get("id") for c in (read.get("required_action") or {}).get("submit_tool_outputs", {}).get("tool_calls", [])
    ]
    ctx.check(
        ids == [c.get("id") for c in calls],
        f"getRun: the tool calls read {ids} are not the ones streamed {[c.get('id') for c in calls]}",
        reply,
    )

    what = "submitToolOuputsToRun with stream"
    outputs = [{"tool_call_id": c["id"], "output": '{"celsius": 19}'} for c in calls]
    reply = api.post(f"{path}/submit_tool_outputs", {"tool_outputs": outputs, "stream": True})
    resumed = read_stream(ctx, reply, what, known_steps=frozenset(stream.steps))
    ctx.check(
        all(data.get("id") == run["id"] for _, data in resumed.runs),
        f"{what}: the stream is about another run than {run['id']}",
        reply,
    )
    ctx.check("thread.run.created" not in resumed.names, f"{what}: a new run was created", reply)
    ctx.check(
        resumed.last_run.get("status") == "completed",
        f"{what}: the run ended {resumed.runs[-1][0]} (events: {_summary(resumed.names)})",
        reply,
    )
    _before(ctx, resumed, "thread.run.in_progress", "thread.run.completed", what)
    _before(ctx, resumed, "thread.message.completed", "thread.run.completed", what)
    agrees(ctx, resumed, thread["id"])
    reply = api.get(f"{path}/steps", limit=100)
    steps = ctx.ok(reply, "listRunSteps").get("data") or []
    outputs_seen = [
        (call.get("function") or {}).get("output")
        for s in steps
        if s.get("type") == "tool_calls"
        for call in (s.get("step_details") or {}).get("tool_calls") or []
    ]
    ctx.check(
        outputs_seen == ['{"celsius": 19}'] * len(calls),
        f"listRunSteps: the tool calls' outputs are {outputs_seen}, submitted {len(calls)} x '{{\"celsius\": 19}}'",
        reply,
    )
