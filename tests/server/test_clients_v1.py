"""The last assistants=v1 client, openai 1.20.0, against the stateful reference server: all 28 v1 operations.

Each test runs one SDK script in the client venv (a subprocess) and asserts on what the SDK saw: statuses,
id prefixes, counts, text. The last test checks that, together, they drove every v1 operation.
"""

from __future__ import annotations

import pytest

from .support import FILE_A, FILE_B, FILE_C, WEATHER_TOOL, run_client

_ran: set[str] = set()


@pytest.fixture(autouse=True)
def _note_ran(request):
    yield
    _ran.add(request.node.originalname)


def test_assistants_and_assistant_files(live_server, v1_client):
    out = run_client(
        v1_client,
        f"""
        b = client.beta
        out = {{}}
        a = b.assistants.create(
            model="gpt-4-turbo", name="v1 bot", description="tests", instructions="Be brief.",
            tools=[{{"type": "retrieval"}}, {{"type": "code_interpreter"}}], file_ids=[{FILE_A!r}],
            metadata={{"team": "qa"}},
        )
        out["created"] = a.model_dump()
        out["retrieved"] = b.assistants.retrieve(a.id).model_dump()
        out["updated"] = b.assistants.update(a.id, name="renamed", metadata={{"team": "ops"}}).model_dump()
        out["listed"] = [x.id for x in b.assistants.list(limit=100)]
        out["file_created"] = b.assistants.files.create(a.id, file_id={FILE_B!r}).model_dump()
        out["file_ids_after_create"] = b.assistants.retrieve(a.id).file_ids
        out["file_retrieved"] = b.assistants.files.retrieve({FILE_B!r}, assistant_id=a.id).model_dump()
        out["files_listed"] = [f.model_dump() for f in b.assistants.files.list(a.id)]
        out["files_listed_asc"] = [f.id for f in b.assistants.files.list(a.id, order="asc")]
        out["file_deleted"] = b.assistants.files.delete({FILE_B!r}, assistant_id=a.id).model_dump()
        out["files_after_delete"] = [f.id for f in b.assistants.files.list(a.id)]
        out["file_gone"] = error_of(b.assistants.files.retrieve, {FILE_B!r}, assistant_id=a.id)
        out["deleted"] = b.assistants.delete(a.id).model_dump()
        out["gone"] = error_of(b.assistants.retrieve, a.id)
        out["listed_after_delete"] = [x.id for x in b.assistants.list(limit=100)]
        emit(out)
        """,
        live_server.url,
    )
    created = out["created"]
    assert created["id"].startswith("asst_") and len(created["id"]) == len("asst_") + 24
    assert created["object"] == "assistant"
    assert created["name"] == "v1 bot" and created["description"] == "tests" and created["model"] == "gpt-4-turbo"
    assert [t["type"] for t in created["tools"]] == ["retrieval", "code_interpreter"]
    assert created["file_ids"] == [FILE_A] and created["metadata"] == {"team": "qa"}
    assert out["retrieved"] == created
    assert out["updated"]["name"] == "renamed" and out["updated"]["metadata"] == {"team": "ops"}
    assert out["updated"]["instructions"] == "Be brief."
    assert created["id"] in out["listed"]

    assert out["file_created"] == {
        "id": FILE_B,
        "object": "assistant.file",
        "created_at": out["file_created"]["created_at"],
        "assistant_id": created["id"],
    }
    assert out["file_ids_after_create"] == [FILE_A, FILE_B]
    assert out["file_retrieved"] == out["file_created"]
    assert {f["id"] for f in out["files_listed"]} == {FILE_A, FILE_B}
    assert sorted(out["files_listed_asc"]) == [FILE_A, FILE_B]  # the order on a tie: see test_store.py
    assert all(f["assistant_id"] == created["id"] and f["object"] == "assistant.file" for f in out["files_listed"])
    assert out["file_deleted"] == {"id": FILE_B, "object": "assistant.file.deleted", "deleted": True}
    assert out["files_after_delete"] == [FILE_A]
    assert out["file_gone"]["class"] == "NotFoundError" and out["file_gone"]["status"] == 404

    assert out["deleted"] == {"id": created["id"], "object": "assistant.deleted", "deleted": True}
    assert out["gone"] == {
        "class": "NotFoundError",
        "status": 404,
        "message": f"No assistant found with id '{created['id']}'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert created["id"] not in out["listed_after_delete"]


def test_threads_messages_and_message_files(live_server, v1_client):
    out = run_client(
        v1_client,
        f"""
        b = client.beta
        out = {{}}
        t = b.threads.create(
            messages=[{{"role": "user", "content": "first", "file_ids": [{FILE_C!r}]}}], metadata={{"a": "1"}}
        )
        out["thread"] = t.model_dump()
        out["retrieved"] = b.threads.retrieve(t.id).model_dump()
        out["updated"] = b.threads.update(t.id, metadata={{"a": "2"}}).model_dump()
        m = b.threads.messages.create(
            t.id, role="user", content="with files", file_ids=[{FILE_A!r}, {FILE_B!r}], metadata={{"x": "y"}}
        )
        out["message"] = m.model_dump()
        out["message_retrieved"] = b.threads.messages.retrieve(m.id, thread_id=t.id).model_dump()
        out["message_updated"] = b.threads.messages.update(m.id, thread_id=t.id, metadata={{"x": "z"}}).model_dump()
        out["listed"] = [x.model_dump() for x in b.threads.messages.list(t.id)]
        out["listed_asc"] = [x.id for x in b.threads.messages.list(t.id, order="asc")]
        out["files"] = [f.model_dump() for f in b.threads.messages.files.list(m.id, thread_id=t.id)]
        out["files_asc"] = [f.id for f in b.threads.messages.files.list(m.id, thread_id=t.id, order="asc")]
        out["file"] = b.threads.messages.files.retrieve({FILE_B!r}, thread_id=t.id, message_id=m.id).model_dump()
        out["file_missing"] = error_of(
            b.threads.messages.files.retrieve, {FILE_C!r}, thread_id=t.id, message_id=m.id
        )
        out["deleted"] = b.threads.delete(t.id).model_dump()
        out["gone"] = error_of(b.threads.retrieve, t.id)
        out["messages_gone"] = error_of(b.threads.messages.retrieve, m.id, thread_id=t.id)
        emit(out)
        """,
        live_server.url,
    )
    thread = out["thread"]
    assert thread["id"].startswith("thread_") and thread["object"] == "thread"
    assert thread["metadata"] == {"a": "1"} and "tool_resources" not in thread
    assert out["retrieved"] == thread
    assert out["updated"]["metadata"] == {"a": "2"}

    message = out["message"]
    assert message["id"].startswith("msg_") and message["object"] == "thread.message"
    assert message["thread_id"] == thread["id"] and message["role"] == "user"
    assert message["content"] == [{"type": "text", "text": {"value": "with files", "annotations": []}}]
    assert message["file_ids"] == [FILE_A, FILE_B] and message["metadata"] == {"x": "y"}
    assert message["assistant_id"] is None and message["run_id"] is None
    assert message["status"] == "completed"
    assert out["message_retrieved"] == message
    assert out["message_updated"]["metadata"] == {"x": "z"}

    listed = out["listed"]
    assert [m["id"] for m in listed][0] == message["id"] and len(listed) == 2
    assert listed[1]["content"][0]["text"]["value"] == "first" and listed[1]["file_ids"] == [FILE_C]
    assert out["listed_asc"] == [m["id"] for m in reversed(listed)]

    assert {f["id"] for f in out["files"]} == {FILE_A, FILE_B}
    assert all(f["object"] == "thread.message.file" and f["message_id"] == message["id"] for f in out["files"])
    # (the order among files attached at the same second is checked in test_store.py, with a fixed clock)
    assert sorted(out["files_asc"]) == [FILE_A, FILE_B]
    assert out["file"]["id"] == FILE_B and out["file"]["message_id"] == message["id"]
    assert out["file_missing"]["class"] == "NotFoundError"

    assert out["deleted"] == {"id": thread["id"], "object": "thread.deleted", "deleted": True}
    assert out["gone"]["status"] == 404 and out["gone"]["message"] == f"No thread found with id '{thread['id']}'."
    assert out["messages_gone"]["status"] == 404


def test_plain_run_with_create_and_poll(live_server, v1_client):
    out = run_client(
        v1_client,
        """
        b = client.beta
        out = {}
        a = b.assistants.create(model="gpt-4-turbo", instructions="Be brief.", file_ids=["file-" + "d" * 24])
        t = b.threads.create()
        user = b.threads.messages.create(t.id, role="user", content="Hello there")
        started = time.monotonic()
        run = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, metadata={"n": "1"})
        out["seconds"] = time.monotonic() - started
        out["assistant"] = a.id
        out["user"] = user.id
        out["run"] = run.model_dump()
        out["messages"] = [m.model_dump() for m in b.threads.messages.list(t.id)]
        out["by_run"] = [m.id for m in b.threads.messages.list(t.id, run_id=run.id)]
        steps = list(b.threads.runs.steps.list(run.id, thread_id=t.id))
        out["steps"] = [s.model_dump() for s in steps]
        out["step"] = b.threads.runs.steps.retrieve(steps[0].id, thread_id=t.id, run_id=run.id).model_dump()
        out["modified"] = b.threads.runs.update(run.id, thread_id=t.id, metadata={"n": "2"}).model_dump()
        out["retrieved"] = b.threads.runs.retrieve(run.id, thread_id=t.id).model_dump()
        out["runs"] = [r.model_dump() for r in b.threads.runs.list(t.id)]
        emit(out)
        """,
        live_server.url,
    )
    run = out["run"]
    assert run["id"].startswith("run_") and run["object"] == "thread.run"
    assert run["status"] == "completed" and run["assistant_id"] == out["assistant"]
    assert run["completed_at"] is not None and run["started_at"] is not None
    assert run["required_action"] is None and run["last_error"] is None
    assert run["usage"]["total_tokens"] == run["usage"]["prompt_tokens"] + run["usage"]["completion_tokens"] > 0
    assert run["instructions"] == "Be brief." and run["model"] == "gpt-4-turbo"
    assert run["file_ids"] == ["file-" + "d" * 24] and run["metadata"] == {"n": "1"}
    assert out["seconds"] < 5, "polling should follow openai-poll-after-ms (10 ms)"

    reply, user = out["messages"]
    assert user["id"] == out["user"]
    assert reply["role"] == "assistant" and reply["assistant_id"] == out["assistant"] and reply["run_id"] == run["id"]
    assert reply["content"][0]["text"]["value"] == "You said: Hello there"
    assert reply["status"] == "completed"
    assert out["by_run"] == [reply["id"]]

    (step,) = out["steps"]
    assert step["id"].startswith("step_") and step["type"] == "message_creation"
    assert step["status"] == "completed" and step["run_id"] == run["id"]
    assert step["step_details"]["message_creation"]["message_id"] == reply["id"]
    assert step["usage"] is not None
    assert out["step"] == step
    assert out["modified"]["metadata"] == {"n": "2"} and out["modified"]["status"] == "completed"
    assert out["retrieved"]["metadata"] == {"n": "2"}
    assert [r["id"] for r in out["runs"]] == [run["id"]]


def test_function_tool_run_requires_action_then_submit_and_poll(live_server, v1_client):
    out = run_client(
        v1_client,
        f"""
        b = client.beta
        out = {{}}
        a = b.assistants.create(model="gpt-4-turbo", tools=[{WEATHER_TOOL!r}])
        t = b.threads.create(messages=[{{"role": "user", "content": "Weather in Paris?"}}])
        run = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id)
        out["waiting"] = run.model_dump()
        calls = run.required_action.submit_tool_outputs.tool_calls
        out["locked_message"] = error_of(b.threads.messages.create, t.id, role="user", content="more")
        out["locked_run"] = error_of(b.threads.runs.create, thread_id=t.id, assistant_id=a.id)
        out["missing"] = error_of(
            b.threads.runs.submit_tool_outputs, run.id, thread_id=t.id, tool_outputs=[]
        )
        done = b.threads.runs.submit_tool_outputs_and_poll(
            run_id=run.id, thread_id=t.id, tool_outputs=[{{"tool_call_id": c.id, "output": "sunny"}} for c in calls]
        )
        out["done"] = done.model_dump()
        out["messages"] = [m.model_dump() for m in b.threads.messages.list(t.id)]
        out["steps"] = [s.model_dump() for s in b.threads.runs.steps.list(run.id, thread_id=t.id, order="asc")]
        out["late"] = error_of(
            b.threads.runs.submit_tool_outputs, run.id, thread_id=t.id,
            tool_outputs=[{{"tool_call_id": c.id, "output": "again"}} for c in calls],
        )
        out["cancel_finished"] = error_of(b.threads.runs.cancel, run.id, thread_id=t.id)
        emit(out)
        """,
        live_server.url,
    )
    waiting = out["waiting"]
    assert waiting["status"] == "requires_action"
    (call,) = waiting["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "example"}'}
    assert waiting["usage"] is None
    assert out["locked_message"]["status"] == 400
    assert out["locked_message"]["message"] == (
        f"Can't add messages to {waiting['thread_id']} while a run {waiting['id']} is active."
    )
    assert out["locked_run"]["message"] == (f"Thread {waiting['thread_id']} already has an active run {waiting['id']}.")
    assert out["missing"]["class"] == "BadRequestError"
    assert out["missing"]["message"] == f"Expected tool outputs for call_ids ['{call['id']}'], got []"

    done = out["done"]
    assert done["status"] == "completed" and done["required_action"] is None
    assert out["messages"][0]["content"][0]["text"]["value"] == "Here is what the tools returned: sunny"
    assert out["messages"][0]["run_id"] == done["id"]
    tool_step, message_step = out["steps"]
    assert tool_step["type"] == "tool_calls" and tool_step["status"] == "completed"
    assert tool_step["step_details"]["tool_calls"][0]["function"]["output"] == "sunny"
    assert message_step["type"] == "message_creation"
    assert out["late"]["message"] == 'Runs in status "completed" do not accept tool outputs.'
    assert out["cancel_finished"]["message"] == "Cannot cancel run with status 'completed'."


def test_cancel_and_markers(live_server, v1_client):
    out = run_client(
        v1_client,
        """
        b = client.beta
        out = {}
        a = b.assistants.create(model="gpt-4-turbo")
        t = b.threads.create(messages=[{"role": "user", "content": "hi"}])
        run = b.threads.runs.create(thread_id=t.id, assistant_id=a.id)
        out["created"] = run.status
        out["cancelled"] = b.threads.runs.cancel(run.id, thread_id=t.id).model_dump()
        out["after"] = b.threads.runs.retrieve(run.id, thread_id=t.id).model_dump()
        out["steps_of_cancelled"] = len(list(b.threads.runs.steps.list(run.id, thread_id=t.id)))
        for name, marker in [("fail", "[[fail]]"), ("incomplete", "[[incomplete]]"), ("expire", "[[expire]]")]:
            r = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, instructions=f"Go {marker}")
            out[name] = r.model_dump()
        r = b.threads.runs.create_and_poll(
            thread_id=t.id, assistant_id=a.id, additional_instructions="[[fail]]"
        )
        out["fail_additional"] = r.status
        out["runs"] = [r.status for r in b.threads.runs.list(t.id, order="asc")]
        emit(out)
        """,
        live_server.url,
    )
    assert out["created"] == "queued"
    assert out["cancelled"]["status"] == "cancelling"
    assert out["after"]["status"] == "cancelled" and out["after"]["cancelled_at"] is not None
    assert out["steps_of_cancelled"] == 0
    assert out["fail"]["status"] == "failed" and out["fail"]["failed_at"] is not None
    assert out["fail"]["last_error"] == {"code": "server_error", "message": "The run failed, as asked."}
    assert out["incomplete"]["status"] == "failed", "v1 has no incomplete status: the run fails"
    assert out["expire"]["status"] == "expired"
    assert out["fail_additional"] == "failed"
    assert out["runs"] == ["cancelled", "failed", "failed", "expired", "failed"]


def test_streaming_run_helpers(live_server, v1_client):
    out = run_client(
        v1_client,
        f"""
        from openai.lib.streaming import AssistantEventHandler

        class Collect(AssistantEventHandler):
            def __init__(self):
                super().__init__()
                self.events, self.text = [], ""

            def on_event(self, event):
                self.events.append(event.event)

            def on_text_delta(self, delta, snapshot):
                self.text += delta.value

        b = client.beta
        out = {{}}
        a = b.assistants.create(model="gpt-4-turbo", tools=[{WEATHER_TOOL!r}])
        t = b.threads.create(messages=[{{"role": "user", "content": "stream me please"}}])

        handler = Collect()
        with b.threads.runs.create_and_stream(
            thread_id=t.id, assistant_id=a.id, instructions="[[no-tools]]", event_handler=handler
        ) as stream:
            stream.until_done()
            out["create_and_stream"] = {{"events": handler.events, "text": handler.text,
                                         "final": stream.get_final_run().status,
                                         "messages": [m.id for m in stream.get_final_messages()]}}

        with b.threads.runs.stream(thread_id=t.id, assistant_id=a.id) as stream:
            events = [e.event for e in stream]
            run = stream.get_final_run()
            out["stream_tools"] = {{"events": events, "status": run.status}}
        calls = run.required_action.submit_tool_outputs.tool_calls
        handler = Collect()
        with b.threads.runs.submit_tool_outputs_stream(
            run_id=run.id, thread_id=t.id, tool_outputs=[{{"tool_call_id": c.id, "output": "rainy"}} for c in calls],
            event_handler=handler,
        ) as stream:
            stream.until_done()
            out["submit_stream"] = {{"events": handler.events, "text": handler.text,
                                     "final": stream.get_final_run().status}}

        raw = b.threads.runs.create(thread_id=t.id, assistant_id=a.id, instructions="[[no-tools]]", stream=True)
        names, text = [], ""
        for event in raw:
            names.append(event.event)
            if event.event == "thread.message.delta":
                text += event.data.delta.content[0].text.value
        out["raw"] = {{"events": names, "text": text}}
        out["messages"] = [m.content[0].text.value for m in b.threads.messages.list(t.id, order="asc")]
        emit(out)
        """,
        live_server.url,
    )
    first = out["create_and_stream"]
    assert first["events"] == [
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.message.created",
        "thread.message.in_progress",
        *["thread.message.delta"] * 5,
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
    ]
    assert first["text"] == "You said: stream me please" and first["final"] == "completed"
    assert len(first["messages"]) == 1

    tools = out["stream_tools"]
    assert tools["status"] == "requires_action"
    assert tools["events"][-1] == "thread.run.requires_action" and "thread.run.step.delta" in tools["events"]
    submitted = out["submit_stream"]
    assert submitted["events"][:2] == ["thread.run.step.completed", "thread.run.queued"]
    assert submitted["events"][-1] == "thread.run.completed" and submitted["final"] == "completed"
    assert submitted["text"] == "Here is what the tools returned: rainy"

    raw = out["raw"]
    assert raw["events"][0] == "thread.run.created" and raw["events"][-1] == "thread.run.completed"
    assert raw["text"] == "You said: stream me please"
    assert out["messages"] == [
        "stream me please",
        "You said: stream me please",
        "Here is what the tools returned: rainy",
        "You said: stream me please",
    ]


def test_create_thread_and_run(live_server, v1_client):
    out = run_client(
        v1_client,
        """
        b = client.beta
        out = {}
        a = b.assistants.create(model="gpt-4-turbo", instructions="Helpful.")
        run = b.threads.create_and_run(
            assistant_id=a.id, thread={"messages": [{"role": "user", "content": "one"}]}, metadata={"k": "v"}
        )
        out["queued"] = run.model_dump()
        seen = [run.status]
        while run.status not in ("completed", "failed", "cancelled", "expired"):
            run = b.threads.runs.retrieve(run.id, thread_id=run.thread_id)
            seen.append(run.status)
        out["seen"] = seen
        out["thread"] = b.threads.retrieve(run.thread_id).model_dump()
        polled = b.threads.create_and_run_poll(
            assistant_id=a.id, thread={"messages": [{"role": "user", "content": "two"}]}
        )
        out["polled"] = polled.model_dump()
        out["polled_messages"] = [
            m.content[0].text.value for m in b.threads.messages.list(polled.thread_id, order="asc")
        ]
        with b.threads.create_and_run_stream(assistant_id=a.id) as stream:
            out["streamed"] = [e.event for e in stream]
        raw = b.threads.create_and_run(assistant_id=a.id, stream=True)
        out["raw"] = [e.event for e in raw]
        emit(out)
        """,
        live_server.url,
    )
    queued = out["queued"]
    assert queued["status"] == "queued" and queued["thread_id"].startswith("thread_")
    assert queued["metadata"] == {"k": "v"} and queued["instructions"] == "Helpful."
    assert out["seen"] == ["queued", "in_progress", "completed"]
    assert out["thread"]["id"] == queued["thread_id"]
    assert out["polled"]["status"] == "completed" and out["polled"]["thread_id"] != queued["thread_id"]
    assert out["polled_messages"] == ["two", "You said: two"]
    assert out["streamed"][:2] == ["thread.created", "thread.run.created"]
    assert out["streamed"][-1] == "thread.run.completed"
    assert out["raw"][0] == "thread.created" and out["raw"][-1] == "thread.run.completed"


def test_auto_pagination_terminates_on_the_v1_client(live_server, v1_client):
    """openai 1.20 stops paging only on an empty page: the server must honour `after` exactly."""
    out = run_client(
        v1_client,
        """
        b = client.beta
        t = b.threads.create()
        made = [b.threads.messages.create(t.id, role="user", content=f"m{i}").id for i in range(130)]
        desc = [m.id for m in b.threads.messages.list(t.id, limit=100)]
        asc = [m.id for m in b.threads.messages.list(t.id, limit=100, order="asc")]
        page = b.threads.messages.list(t.id, limit=100)
        emit({"made": made, "desc": desc, "asc": asc, "first_page": len(page.data)})
        """,
        live_server.url,
    )
    made = out["made"]
    assert len(set(made)) == 130
    assert out["desc"] == made[::-1]
    assert out["asc"] == made
    assert out["first_page"] == 100


def test_every_v1_operation_was_driven(live_server, server_contract, request):
    others = {name for name in vars(request.module) if name.startswith("test_")} - {request.node.originalname}
    if not others <= _ran:
        pytest.skip("runs only after the whole module")
    seen = {op for version, op in live_server.operations(server_contract) if version == "v1"}
    v1 = set(server_contract.documents["v1"].operations)
    assert len(v1) == 28
    assert v1 - seen == set()
