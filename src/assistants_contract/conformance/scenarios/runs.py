"""Runs: to completion, tool calls and their outputs, cancel, the thread lock.

A run is polled (any number of reads) until it settles, so these pass against a server whose runs take real
time as well as against one that moves a step per read. Runs that must stay active use a function tool: once
the model has chosen to call it the run waits in `requires_action` until the outputs come, which no clock
ends within a scenario.
"""

from __future__ import annotations

import json

from .base import (
    ScenarioContext,
    message_text,
    scenario,
    tool_run,
    unknown_id,
)


@scenario(
    "run_completes",
    operations=("createRun", "getRun", "listRuns", "modifyRun", "listRunSteps", "getRunStep", "listMessages"),
)
def run_completes(ctx: ScenarioContext) -> None:
    """A run completes, leaving an assistant message from it and a message_creation step that names it"""
    api = ctx.api
    assistant = ctx.assistant(name="runner", instructions="Answer in one sentence.")
    thread = ctx.thread()
    asked = ctx.message(thread["id"], "Tell me a fact about octopuses.")
    reply = api.post(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    run = ctx.ok(reply, "createRun")
    ctx.check(
        run.get("status") in ("queued", "in_progress"),
        f"createRun: a new run is {run.get('status')!r}; expected queued (or in_progress)",
        reply,
    )
    ctx.check(
        run.get("thread_id") == thread["id"] and run.get("assistant_id") == assistant["id"],
        "createRun: thread_id/assistant_id are not the thread's and assistant's",
        reply,
    )
    path = f"/threads/{thread['id']}/runs/{run['id']}"
    reply = ctx.poll(run)
    done = reply.body
    ctx.check(done.get("status") == "completed", f"getRun: the run ended {done.get('status')!r}, not completed", reply)
    ctx.check(done.get("completed_at") is not None, "getRun: a completed run has completed_at null", reply)
    ctx.check(done.get("required_action") is None, "getRun: a completed run still has a required_action", reply)

    reply = api.get(f"/threads/{thread['id']}/messages", limit=100, order="asc")
    messages = ctx.ok(reply, "listMessages").get("data") or []
    ours = [m for m in messages if m.get("run_id") == run["id"]]
    ctx.check(
        len(ours) >= 1 and all(m.get("role") == "assistant" for m in ours),
        f"listMessages: after the run completed, the thread holds {len(ours)} message(s) with run_id {run['id']}"
        f" (roles {[m.get('role') for m in ours]}); expected the assistant's reply",
        reply,
    )
    answer = ours[-1]
    ctx.check(
        answer.get("assistant_id") == assistant["id"],
        f"listMessages: the run's message has assistant_id {answer.get('assistant_id')!r}, not the run's assistant",
        reply,
    )
    ctx.check(bool(message_text(answer)), "listMessages: the run's reply message has no text", reply)
    order = [m.get("id") for m in messages]
    ctx.check(asked["id"] in order, f"listMessages: the user's message {asked['id']} is gone after the run", reply)
    ctx.check(
        order.index(asked["id"]) < order.index(answer["id"]),
        "listMessages order=asc: the run's reply comes before the question it answers",
        reply,
    )

    reply = api.get(f"{path}/steps")
    steps = ctx.ok(reply, "listRunSteps").get("data") or []
    creations = [s for s in steps if s.get("type") == "message_creation"]
    made = [((s.get("step_details") or {}).get("message_creation") or {}).get("message_id") for s in creations]
    ctx.check(
        answer["id"] in made,
        f"listRunSteps: no message_creation step names the run's message {answer['id']} (steps name {made})",
        reply,
    )
    step = creations[made.index(answer["id"])]
    ctx.check(
        step.get("status") == "completed" and step.get("run_id") == run["id"],
        f"listRunSteps: the message_creation step is {step.get('status')!r} with run_id {step.get('run_id')!r};"
        " expected completed, of this run",
        reply,
    )
    reply = api.get(f"{path}/steps/{step['id']}")
    fetched = ctx.ok(reply, "getRunStep")
    ctx.check(
        fetched.get("id") == step["id"] and fetched.get("type") == "message_creation",
        f"getRunStep: asked for step {step['id']}, got {fetched.get('id')} of type {fetched.get('type')!r}",
        reply,
    )
    ctx.check(
        fetched.get("step_details") == step.get("step_details") and fetched.get("status") == step.get("status"),
        "getRunStep: the step read is not the step listed (status or step_details differ)",
        reply,
    )
    ctx.error(api.get(f"{path}/steps/{unknown_id('step_')}"), 404, "getRunStep of an unknown step id")

    reply = api.get(f"/threads/{thread['id']}/runs")
    listed = ctx.ok(reply, "listRuns").get("data") or []
    ctx.check(
        [r.get("id") for r in listed] == [run["id"]],
        f"listRuns: a thread with one run lists {[r.get('id') for r in listed]}",
        reply,
    )
    ctx.check(listed[0].get("status") == "completed", "listRuns: the completed run is listed as not completed", reply)

    reply = api.post(path, {"metadata": {"checked": "yes"}})
    modified = ctx.ok(reply, "modifyRun")
    ctx.check(
        modified.get("metadata") == {"checked": "yes"} and modified.get("id") == run["id"],
        f"modifyRun: the answer's metadata is {modified.get('metadata')!r}, sent {{'checked': 'yes'}}",
        reply,
    )
    ctx.check(modified.get("status") == "completed", "modifyRun: changing metadata changed the status", reply)
    reply = api.get(path)
    ctx.check(
        ctx.ok(reply, "getRun").get("metadata") == {"checked": "yes"},
        "getRun: the modified metadata did not stick",
        reply,
    )


@scenario("run_tool_outputs", operations=("createRun", "getRun", "submitToolOuputsToRun", "listRunSteps"))
def run_tool_outputs(ctx: ScenarioContext) -> None:
    """A function-tool run asks for outputs, refuses wrong ones, and completes once all are given"""
    api = ctx.api
    thread, run, calls = tool_run(ctx)
    path = f"/threads/{thread['id']}/runs/{run['id']}"
    submit = f"{path}/submit_tool_outputs"
    ids = [c["id"] for c in calls]
    outputs = [
        {"tool_call_id": i, "output": json.dumps({"city": "Paris", "celsius": 18 + n})} for n, i in enumerate(ids)
    ]

    ctx.error(api.post(submit, {"tool_outputs": outputs[1:]}), 400, "submitToolOuputsToRun missing an output")
    stranger = unknown_id("call_")
    wrong = [*outputs[1:], {"tool_call_id": stranger, "output": "{}"}]
    ctx.error(api.post(submit, {"tool_outputs": wrong}), 400, f"submitToolOuputsToRun naming unknown call {stranger}")
    reply = api.get(path)
    ctx.check(
        ctx.ok(reply, "getRun").get("status") == "requires_action",
        f"getRun: after refused tool outputs the run is {reply.get('status')!r}, no longer requires_action",
        reply,
    )

    reply = api.post(submit, {"tool_outputs": outputs})
    resumed = ctx.ok(reply, "submitToolOuputsToRun")
    ctx.check(
        resumed.get("id") == run["id"] and resumed.get("status") in ("queued", "in_progress", "completed"),
        f"submitToolOuputsToRun: the answer is run {resumed.get('id')} in {resumed.get('status')!r}; expected this"
        " run, queued again",
        reply,
    )
    ctx.check(resumed.get("required_action") is None, "submitToolOuputsToRun: required_action is still set", reply)
    reply = ctx.poll(resumed)
    ctx.check(
        reply.get("status") == "completed",
        f"getRun: after all tool outputs the run ended {reply.get('status')!r}, not completed",
        reply,
    )

    reply = api.get(f"{path}/steps", limit=100)
    steps = ctx.ok(reply, "listRunSteps").get("data") or []
    answered = {
        call.get("id"): (call.get("function") or {}).get("output")
        for step in steps
        if (step.get("step_details") or {}).get("type") == "tool_calls"
        for call in step["step_details"].get("tool_calls") or []
    }
    for output in outputs:
        ctx.check(
            answered.get(output["tool_call_id"]) == output["output"],
            f"listRunSteps: the tool_calls step shows output {answered.get(output['tool_call_id'])!r} for"
            f" {output['tool_call_id']}, submitted {output['output']!r}",
            reply,
        )
    ctx.check(
        any(s.get("type") == "message_creation" for s in steps),
        "listRunSteps: the completed run has no message_creation step after its tool call",
        reply,
    )
    ctx.error(api.post(submit, {"tool_outputs": outputs}), 400, "submitToolOuputsToRun to a completed run")


@scenario("run_cancel", operations=("cancelRun", "getRun", "createMessage"))
def run_cancel(ctx: ScenarioContext) -> None:
    """An active run cancels to cancelled and frees its thread; a finished run cannot be cancelled"""
    api = ctx.api
    thread, run, _ = tool_run(ctx)
    path = f"/threads/{thread['id']}/runs/{run['id']}"
    reply = api.post(f"{path}/cancel")
    cancelling = ctx.ok(reply, "cancelRun")
    ctx.check(
        cancelling.get("id") == run["id"] and cancelling.get("status") in ("cancelling", "cancelled"),
        f"cancelRun of a run in requires_action: answered {cancelling.get('status')!r}; expected cancelling or"
        " cancelled",
        reply,
    )
    reply = ctx.poll(run)
    ended = reply.body
    ctx.check(
        ended.get("status") == "cancelled",
        f"getRun: a cancelled run ended {ended.get('status')!r}, not cancelled",
        reply,
    )
    ctx.check(ended.get("cancelled_at") is not None, "getRun: a cancelled run has cancelled_at null", reply)
    ctx.error(api.post(f"{path}/cancel"), 400, "cancelRun of a cancelled run")
    # The thread is free again: a message and a run of its own, which finishes and then cannot be cancelled.
    ctx.message(thread["id"], "Never mind the weather.")
    second = ctx.run(thread["id"], run["assistant_id"], tools=[])
    reply = ctx.poll(second)
    ctx.check(reply.get("status") == "completed", f"getRun: a plain run ended {reply.get('status')!r}", reply)
    ctx.error(api.post(f"/threads/{thread['id']}/runs/{second['id']}/cancel"), 400, "cancelRun of a completed run")


@scenario("thread_lock", operations=("createRun", "createMessage", "cancelRun"))
def thread_lock(ctx: ScenarioContext) -> None:
    """A thread with an active run refuses new runs and messages, and takes them again once the run ends"""
    api = ctx.api
    thread, run, _ = tool_run(ctx)
    reply = api.post(f"/threads/{thread['id']}/runs", {"assistant_id": run["assistant_id"]})
    ctx.error(reply, 400, f"createRun on a thread whose run {run['id']} is in requires_action")
    reply = api.post(f"/threads/{thread['id']}/messages", {"role": "user", "content": "Are you there?"})
    ctx.error(reply, 400, f"createMessage on a thread whose run {run['id']} is in requires_action")
    reply = api.get(f"/threads/{thread['id']}/runs")
    runs = ctx.ok(reply, "listRuns").get("data") or []
    ctx.check(
        [r.get("id") for r in runs] == [run["id"]],
        f"listRuns: after a refused createRun the thread has runs {[r.get('id') for r in runs]}",
        reply,
    )
    ctx.ok(api.post(f"/threads/{thread['id']}/runs/{run['id']}/cancel"), "cancelRun")
    ctx.poll(run)
    ctx.message(thread["id"], "Now then.")


@scenario("thread_and_run", operations=("createThreadAndRun", "getThread", "getRun", "listMessages"))
def thread_and_run(ctx: ScenarioContext) -> None:
    """createThreadAndRun makes a thread holding the messages sent, and a run on it that completes"""
    api = ctx.api
    assistant = ctx.assistant(name="one shot", instructions="Answer in one sentence.")
    body = {"assistant_id": assistant["id"], "thread": {"messages": [{"role": "user", "content": "Name a colour."}]}}
    reply = api.post("/threads/runs", body)
    run = ctx.ok(reply, "createThreadAndRun")
    ctx.check(
        run.get("object") == "thread.run" and run.get("assistant_id") == assistant["id"],
        f"createThreadAndRun: answered {run.get('object')!r} with assistant_id {run.get('assistant_id')!r}",
        reply,
    )
    thread_id = run.get("thread_id")
    ctx.check(
        isinstance(thread_id, str) and thread_id.startswith("thread_"),
        f"createThreadAndRun: thread_id {thread_id!r}",
        reply,
    )
    reply = api.get(f"/threads/{thread_id}")
    ctx.check(ctx.ok(reply, "getThread").get("id") == thread_id, "getThread: the run's thread is another", reply)
    reply = ctx.poll(run)
    ctx.check(reply.get("status") == "completed", f"getRun: the run ended {reply.get('status')!r}", reply)
    reply = api.get(f"/threads/{thread_id}/messages", order="asc")
    messages = ctx.ok(reply, "listMessages").get("data") or []
    said = [(m.get("role"), m.get("run_id")) for m in messages]
    ctx.check(
        len(messages) >= 2
        and message_text(messages[0]) == "Name a colour."
        and said[0] == ("user", None)
        and ("assistant", run["id"]) in said,
        f"listMessages: the new thread holds (role, run_id) {said}; expected the user's message, then the run's reply",
        reply,
    )
