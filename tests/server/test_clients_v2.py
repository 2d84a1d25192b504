"""The current openai SDK (assistants=v2) against the stateful reference server: all 23 v2 operations.

SDK scripts run in the client venv (see conftest); the error-path tests that need requests no SDK sends (no
OpenAI-Beta header, no key, unknown path, wrong method) use httpx from the project venv. Every test also
passes the conftest guard: no response broke the contract and none was a 5xx.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from assistants_contract.server import create_app

from .support import API_KEY, FILE_A, FILE_B, V1, V2, WEATHER_TOOL, run_client

TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}},
            "required": ["zone"],
        },
    },
}
INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"

_ran: set[str] = set()


@pytest.fixture(autouse=True)
def _note_ran(request):
    yield
    _ran.add(request.node.originalname)


def test_assistants_with_tool_resources(live_server, v2_client):
    out = run_client(
        v2_client,
        f"""
        b = client.beta
        out = {{}}
        a = b.assistants.create(
            model="gpt-4o", name="v2 bot", instructions="Be brief.", temperature=0.5, top_p=0.9,
            tools=[{{"type": "code_interpreter"}}, {{"type": "file_search"}}],
            tool_resources={{"code_interpreter": {{"file_ids": [{FILE_A!r}]}},
                             "file_search": {{"vector_store_ids": ["vs_abc123"]}}}},
            metadata={{"team": "qa"}}, response_format={{"type": "json_object"}},
        )
        out["created"] = a.model_dump()
        out["retrieved"] = b.assistants.retrieve(a.id).model_dump()
        out["updated"] = b.assistants.update(
            a.id, name="renamed", tool_resources={{"code_interpreter": {{"file_ids": [{FILE_B!r}]}}}}
        ).model_dump()
        out["listed"] = [x.id for x in b.assistants.list(limit=100)]
        out["deleted"] = b.assistants.delete(a.id).model_dump()
        out["gone"] = error_of(b.assistants.retrieve, a.id)
        emit(out)
        """,
        live_server.url,
    )
    created = out["created"]
    assert created["id"].startswith("asst_") and created["object"] == "assistant"
    assert created["name"] == "v2 bot" and created["model"] == "gpt-4o"
    assert created["temperature"] == 0.5 and created["top_p"] == 0.9
    assert created["response_format"] == {"type": "json_object"}
    assert [t["type"] for t in created["tools"]] == ["code_interpreter", "file_search"]
    assert created["tool_resources"]["code_interpreter"]["file_ids"] == [FILE_A]
    assert created["tool_resources"]["file_search"]["vector_store_ids"] == ["vs_abc123"]
    assert "file_ids" not in created
    assert out["retrieved"] == created
    assert out["updated"]["name"] == "renamed"
    assert out["updated"]["tool_resources"]["code_interpreter"]["file_ids"] == [FILE_B]
    assert created["id"] in out["listed"]
    assert out["deleted"] == {"id": created["id"], "object": "assistant.deleted", "deleted": True}
    assert out["gone"]["class"] == "NotFoundError"


def test_threads_messages_attachments_and_delete(live_server, v2_client):
    out = run_client(
        v2_client,
        f"""
        b = client.beta
        out = {{}}
        t = b.threads.create(
            messages=[{{"role": "user", "content": "first",
                        "attachments": [{{"file_id": {FILE_A!r}, "tools": [{{"type": "file_search"}}]}}]}}],
            tool_resources={{"file_search": {{"vector_stores": [{{"file_ids": [{FILE_A!r}]}}]}}}},
            metadata={{"a": "1"}},
        )
        out["thread"] = t.model_dump()
        out["retrieved"] = b.threads.retrieve(t.id).model_dump()
        out["updated"] = b.threads.update(
            t.id, metadata={{"a": "2"}}, tool_resources={{"code_interpreter": {{"file_ids": [{FILE_B!r}]}}}}
        ).model_dump()
        m = b.threads.messages.create(
            t.id, role="user", content=[{{"type": "text", "text": "parts"}}],
            attachments=[{{"file_id": {FILE_B!r}, "tools": [{{"type": "code_interpreter"}}]}}],
        )
        out["message"] = m.model_dump()
        a = b.threads.messages.create(t.id, role="assistant", content="said by hand")
        out["assistant_message"] = a.model_dump()
        out["retrieved_message"] = b.threads.messages.retrieve(m.id, thread_id=t.id).model_dump()
        out["updated_message"] = b.threads.messages.update(m.id, thread_id=t.id, metadata={{"k": "v"}}).model_dump()
        out["before_delete"] = [x.id for x in b.threads.messages.list(t.id)]
        out["deleted_message"] = b.threads.messages.delete(m.id, thread_id=t.id).model_dump()
        out["after_delete"] = [x.id for x in b.threads.messages.list(t.id)]
        out["deleted_again"] = error_of(b.threads.messages.delete, m.id, thread_id=t.id)
        out["deleted"] = b.threads.delete(t.id).model_dump()
        out["gone"] = error_of(b.threads.messages.list, t.id)
        emit(out)
        """,
        live_server.url,
    )
    thread = out["thread"]
    assert thread["id"].startswith("thread_") and thread["metadata"] == {"a": "1"}
    (store_id,) = thread["tool_resources"]["file_search"]["vector_store_ids"]
    assert store_id.startswith("vs_")
    assert out["retrieved"] == thread
    assert out["updated"]["metadata"] == {"a": "2"}
    assert out["updated"]["tool_resources"] == {"code_interpreter": {"file_ids": [FILE_B]}, "file_search": None}

    message = out["message"]
    assert message["id"].startswith("msg_") and message["thread_id"] == thread["id"]
    assert message["content"] == [{"type": "text", "text": {"value": "parts", "annotations": []}}]
    assert message["attachments"] == [{"file_id": FILE_B, "tools": [{"type": "code_interpreter"}]}]
    assert "file_ids" not in message
    assert out["assistant_message"]["role"] == "assistant" and out["assistant_message"]["assistant_id"] is None
    assert out["retrieved_message"] == message
    assert out["updated_message"]["metadata"] == {"k": "v"}
    assert len(out["before_delete"]) == 3 and out["before_delete"][1] == message["id"]
    assert out["deleted_message"] == {"id": message["id"], "object": "thread.message.deleted", "deleted": True}
    assert out["after_delete"] == [x for x in out["before_delete"] if x != message["id"]]
    assert out["deleted_again"]["status"] == 404
    assert out["deleted_again"]["message"] == f"No message found with id '{message['id']}'."
    assert out["deleted"] == {"id": thread["id"], "object": "thread.deleted", "deleted": True}
    assert out["gone"]["status"] == 404


def test_create_and_poll_steps_with_include(live_server, v2_client):
    out = run_client(
        v2_client,
        f"""
        b = client.beta
        out = {{}}
        a = b.assistants.create(model="gpt-4o", instructions="Be brief.")
        t = b.threads.create(messages=[{{"role": "user", "content": "Hello v2"}}])
        run = b.threads.runs.create_and_poll(
            thread_id=t.id, assistant_id=a.id, additional_messages=[{{"role": "user", "content": "and more"}}],
            temperature=0.2, top_p=0.5, max_completion_tokens=500, truncation_strategy={{"type": "last_messages",
            "last_messages": 5}}, tool_choice="auto", response_format="auto", include=[{INCLUDE!r}],
        )
        out["assistant"] = a.id
        out["run"] = run.model_dump()
        out["messages"] = [m.model_dump() for m in b.threads.messages.list(t.id)]
        out["by_run"] = [m.id for m in b.threads.messages.list(t.id, run_id=run.id)]
        steps = list(b.threads.runs.steps.list(run.id, thread_id=t.id, include=[{INCLUDE!r}]))
        out["steps"] = [s.model_dump() for s in steps]
        out["step"] = b.threads.runs.steps.retrieve(
            steps[0].id, thread_id=t.id, run_id=run.id, include=[{INCLUDE!r}]
        ).model_dump()
        out["modified"] = b.threads.runs.update(run.id, thread_id=t.id, metadata={{"n": "2"}}).model_dump()
        out["runs"] = [r.id for r in b.threads.runs.list(t.id)]
        emit(out)
        """,
        live_server.url,
    )
    run = out["run"]
    assert run["id"].startswith("run_") and run["status"] == "completed"
    assert run["assistant_id"] == out["assistant"] and run["completed_at"] and run["expires_at"] is None
    assert run["parallel_tool_calls"] is True
    assert run["temperature"] == 0.2 and run["top_p"] == 0.5 and run["max_completion_tokens"] == 500
    assert run["truncation_strategy"] == {"type": "last_messages", "last_messages": 5}
    assert run["usage"]["total_tokens"] > 0
    reply = out["messages"][0]
    assert [m["role"] for m in out["messages"]] == ["assistant", "user", "user"]
    assert reply["assistant_id"] == out["assistant"] and reply["run_id"] == run["id"]
    assert reply["content"][0]["text"]["value"] == "You said: and more"
    assert out["by_run"] == [reply["id"]]
    (step,) = out["steps"]
    assert step["type"] == "message_creation" and step["status"] == "completed"
    assert step["step_details"]["message_creation"]["message_id"] == reply["id"]
    assert out["step"] == step
    assert out["modified"]["metadata"] == {"n": "2"}
    assert out["runs"] == [run["id"]]


def test_parallel_tool_calls_and_submit_and_poll(live_server, v2_client):
    out = run_client(
        v2_client,
        f"""
        b = client.beta
        out = {{}}
        a = b.assistants.create(model="gpt-4o", tools=[{WEATHER_TOOL!r}, {TIME_TOOL!r}])
        t = b.threads.create(messages=[{{"role": "user", "content": "weather and time?"}}])
        run = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id)
        out["both"] = run.model_dump()
        calls = run.required_action.submit_tool_outputs.tool_calls
        out["partial"] = error_of(
            b.threads.runs.submit_tool_outputs, run.id, thread_id=t.id,
            tool_outputs=[{{"tool_call_id": calls[0].id, "output": "x"}}],
        )
        done = b.threads.runs.submit_tool_outputs_and_poll(
            run_id=run.id, thread_id=t.id,
            tool_outputs=[{{"tool_call_id": c.id, "output": o}} for c, o in zip(calls, ["sunny", "noon"])],
        )
        out["done"] = done.model_dump()
        out["reply"] = b.threads.messages.list(t.id).data[0].content[0].text.value
        single = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, parallel_tool_calls=False)
        out["single"] = single.model_dump()
        out["cancelled"] = b.threads.runs.cancel(single.id, thread_id=t.id).status
        out["after_cancel"] = b.threads.runs.retrieve(single.id, thread_id=t.id).model_dump()
        chosen = b.threads.runs.create_and_poll(
            thread_id=t.id, assistant_id=a.id, tool_choice={{"type": "function", "function": {{"name": "get_time"}}}}
        )
        out["chosen"] = [c.function.name for c in chosen.required_action.submit_tool_outputs.tool_calls]
        b.threads.runs.cancel(chosen.id, thread_id=t.id)
        b.threads.runs.retrieve(chosen.id, thread_id=t.id)
        emit(out)
        """,
        live_server.url,
    )
    both = out["both"]
    assert both["status"] == "requires_action" and both["parallel_tool_calls"] is True
    calls = both["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert [c["function"]["arguments"] for c in calls] == ['{"city": "example"}', '{"zone": "UTC"}']
    assert all(c["id"].startswith("call_") for c in calls)
    ids = [c["id"] for c in calls]
    assert out["partial"]["message"] == f"Expected tool outputs for call_ids {ids!r}, got {ids[:1]!r}"
    assert out["partial"]["param"] == "tool_outputs"
    assert out["done"]["status"] == "completed"
    assert out["reply"] == "Here is what the tools returned: sunny; noon"
    single = out["single"]
    assert single["parallel_tool_calls"] is False
    assert len(single["required_action"]["submit_tool_outputs"]["tool_calls"]) == 1
    assert out["cancelled"] == "cancelling"
    assert out["after_cancel"]["status"] == "cancelled" and out["after_cancel"]["required_action"] is None
    assert out["chosen"] == ["get_time"]


def test_markers_fail_incomplete_expire(live_server, v2_client):
    out = run_client(
        v2_client,
        """
        b = client.beta
        out = {}
        a = b.assistants.create(model="gpt-4o")
        t = b.threads.create(messages=[{"role": "user", "content": "one two three four five six"}])
        for name in ["fail", "incomplete", "expire"]:
            run = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, instructions=f"[[{name}]]")
            steps = list(b.threads.runs.steps.list(run.id, thread_id=t.id))
            msgs = list(b.threads.messages.list(t.id, run_id=run.id))
            out[name] = {"run": run.model_dump(), "steps": [s.model_dump() for s in steps],
                         "messages": [m.model_dump() for m in msgs]}
        emit(out)
        """,
        live_server.url,
    )
    failed = out["fail"]["run"]
    assert failed["status"] == "failed" and failed["failed_at"] and failed["last_error"]["code"] == "server_error"
    assert out["fail"]["messages"] == [] and out["fail"]["steps"] == []

    incomplete = out["incomplete"]["run"]
    assert incomplete["status"] == "incomplete"
    assert incomplete["incomplete_details"] == {"reason": "max_completion_tokens"}
    assert incomplete["completed_at"] is None and incomplete["last_error"] is None
    (message,) = out["incomplete"]["messages"]
    assert message["status"] == "incomplete" and message["incomplete_details"] == {"reason": "max_tokens"}
    assert message["incomplete_at"] is not None
    text = message["content"][0]["text"]["value"]
    assert "You said: one two three four five six".startswith(text) and len(text) < 38
    assert [s["status"] for s in out["incomplete"]["steps"]] == ["completed"]

    assert out["expire"]["run"]["status"] == "expired"


def test_event_handler_stream_and_submit_tool_outputs_stream(live_server, v2_client):
    out = run_client(
        v2_client,
        f"""
        from openai import AssistantEventHandler

        class Collect(AssistantEventHandler):
            def __init__(self):
                super().__init__()
                self.events, self.text, self.tool_calls, self.done_messages = [], "", [], []

            def on_event(self, event):
                self.events.append(event.event)

            def on_text_delta(self, delta, snapshot):
                self.text += delta.value

            def on_tool_call_created(self, tool_call):
                self.tool_calls.append(tool_call.function.name)

            def on_message_done(self, message):
                self.done_messages.append(message.content[0].text.value)

        b = client.beta
        out = {{}}
        a = b.assistants.create(model="gpt-4o", tools=[{WEATHER_TOOL!r}])
        t = b.threads.create(messages=[{{"role": "user", "content": "Weather in Oslo?"}}])

        handler = Collect()
        with b.threads.runs.stream(thread_id=t.id, assistant_id=a.id, event_handler=handler) as stream:
            stream.until_done()
            run = stream.get_final_run()
        out["first"] = {{"events": handler.events, "tool_calls": handler.tool_calls, "status": run.status}}
        calls = run.required_action.submit_tool_outputs.tool_calls

        handler = Collect()
        with b.threads.runs.submit_tool_outputs_stream(
            run_id=run.id, thread_id=t.id, tool_outputs=[{{"tool_call_id": c.id, "output": "cold"}} for c in calls],
            event_handler=handler,
        ) as stream:
            stream.until_done()
            final = stream.get_final_run()
            steps = stream.get_final_run_steps()
        out["second"] = {{"events": handler.events, "text": handler.text, "status": final.status,
                          "done_messages": handler.done_messages, "steps": [s.type for s in steps]}}

        handler = Collect()
        with b.threads.runs.stream(
            thread_id=t.id, assistant_id=a.id, additional_instructions="[[no-tools]]", event_handler=handler
        ) as stream:
            stream.until_done()
        out["plain"] = {{"events": handler.events, "text": handler.text}}

        raw = b.threads.runs.create(thread_id=t.id, assistant_id=a.id, instructions="[[incomplete]]", stream=True)
        out["raw_incomplete"] = [e.event for e in raw]
        emit(out)
        """,
        live_server.url,
    )
    first = out["first"]
    assert first["status"] == "requires_action" and first["tool_calls"] == ["get_weather"]
    assert first["events"][:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert first["events"][-1] == "thread.run.requires_action"
    second = out["second"]
    assert second["status"] == "completed"
    assert second["events"][:3] == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"]
    assert second["text"] == "Here is what the tools returned: cold"
    assert second["done_messages"] == ["Here is what the tools returned: cold"]
    assert "message_creation" in second["steps"]
    plain = out["plain"]
    assert plain["text"] == "You said: Weather in Oslo?" and plain["events"][-1] == "thread.run.completed"
    assert plain["events"].count("thread.message.delta") == 5
    raw = out["raw_incomplete"]
    assert "thread.message.incomplete" in raw and raw[-1] == "thread.run.incomplete"


def test_the_streamed_queued_event_carries_a_queued_run(live_server, v2_client):
    out = run_client(
        v2_client,
        """
        b = client.beta
        a = b.assistants.create(model="gpt-4o")
        t = b.threads.create(messages=[{"role": "user", "content": "hi"}])
        runs = {}
        for event in b.threads.runs.create(t.id, assistant_id=a.id, stream=True):
            if event.event.startswith("thread.run.") and not event.event.startswith("thread.run.step"):
                runs[event.event] = [event.data.status, event.data.started_at]
        emit(runs)
        """,
        live_server.url,
    )
    assert out["thread.run.created"] == ["queued", None]
    assert out["thread.run.in_progress"][0] == "in_progress"
    assert out["thread.run.queued"] == ["queued", None]


def test_create_thread_and_run(live_server, v2_client):
    out = run_client(
        v2_client,
        """
        b = client.beta
        out = {}
        a = b.assistants.create(model="gpt-4o", instructions="Helpful.")
        run = b.threads.create_and_run(
            assistant_id=a.id, thread={"messages": [{"role": "user", "content": "one"}]},
            tool_resources={"code_interpreter": {"file_ids": ["file-xyz"]}}, parallel_tool_calls=False,
        )
        out["queued"] = run.model_dump()
        out["thread"] = b.threads.retrieve(run.thread_id).model_dump()
        out["polled_after"] = b.threads.runs.poll(run.id, thread_id=run.thread_id).status
        polled = b.threads.create_and_run_poll(
            assistant_id=a.id, thread={"messages": [{"role": "user", "content": "two"}]}
        )
        out["polled"] = polled.model_dump()
        out["polled_messages"] = [
            m.content[0].text.value for m in b.threads.messages.list(polled.thread_id, order="asc")
        ]
        raw = b.threads.create_and_run(assistant_id=a.id, stream=True)
        out["raw"] = [e.event for e in raw]
        emit(out)
        """,
        live_server.url,
    )
    queued = out["queued"]
    assert queued["status"] == "queued" and queued["parallel_tool_calls"] is False
    assert out["thread"]["id"] == queued["thread_id"]
    assert out["thread"]["tool_resources"]["code_interpreter"]["file_ids"] == ["file-xyz"]
    assert out["polled_after"] == "completed"
    assert out["polled"]["status"] == "completed"
    assert out["polled_messages"] == ["two", "You said: two"]
    assert out["raw"][:2] == ["thread.created", "thread.run.created"] and out["raw"][-1] == "thread.run.completed"


def test_auto_pagination_over_130_messages(live_server, v2_client, v1_client):
    script = """
        b = client.beta
        t = b.threads.create()
        made = [b.threads.messages.create(t.id, role="user", content=f"m{i}").id for i in range(130)]
        desc = [m.id for m in b.threads.messages.list(t.id, limit=100)]
        asc = [m.id for m in b.threads.messages.list(t.id, limit=100, order="asc")]
        first = b.threads.messages.list(t.id, limit=100)
        emit({"made": made, "desc": desc, "asc": asc, "page": [len(first.data), first.has_more]})
        """
    for venv in (v2_client, v1_client):
        out = run_client(venv, script, live_server.url)
        made = out["made"]
        assert len(set(made)) == 130
        assert out["desc"] == made[::-1], venv.name
        assert out["asc"] == made, venv.name
        assert out["page"][0] == 100


def test_errors_as_the_sdk_sees_them(live_server, v2_client):
    out = run_client(
        v2_client,
        """
        b = client.beta
        out = {}
        a = b.assistants.create(model="gpt-4o", tools=[{"type": "function", "function": {"name": "f"}}])
        t = b.threads.create(messages=[{"role": "user", "content": "hi"}])
        out["ids"] = {"thread": t.id}
        out["unknown_thread"] = error_of(b.threads.retrieve, "thread_x")
        out["unknown_run"] = error_of(b.threads.runs.retrieve, "run_x", thread_id=t.id)
        out["unknown_step"] = error_of(b.threads.runs.steps.retrieve, "step_x", thread_id=t.id, run_id="run_x")
        out["wrong_prefix"] = error_of(b.threads.retrieve, "1234")
        out["wrong_prefix_assistant"] = error_of(b.assistants.retrieve, "thread_abc")
        out["unknown_argument"] = error_of(b.assistants.create, model="gpt-4o", extra_body={"color": "red"})
        out["v1_argument"] = error_of(b.assistants.create, model="gpt-4o", extra_body={"file_ids": []})
        out["limit_0"] = error_of(b.assistants.list, limit=0)
        out["limit_101"] = error_of(b.assistants.list, limit=101)
        out["bad_order"] = error_of(b.assistants.list, extra_query={"order": "sideways"})
        out["missing_model"] = error_of(b.assistants.create, model=openai.omit if hasattr(openai, "omit") else None)
        run = b.threads.runs.create(thread_id=t.id, assistant_id=a.id)
        out["run"] = run.id
        out["submit_queued"] = error_of(
            b.threads.runs.submit_tool_outputs, run.id, thread_id=t.id, tool_outputs=[{"tool_call_id": "call_x"}]
        )
        out["message_while_active"] = error_of(b.threads.messages.create, t.id, role="user", content="x")
        out["run_while_active"] = error_of(b.threads.runs.create, thread_id=t.id, assistant_id=a.id)
        out["run_and_poll_while_active"] = error_of(
            b.threads.runs.create_and_poll, thread_id=t.id, assistant_id=a.id
        )
        run = b.threads.runs.poll(run.id, thread_id=t.id)
        out["polled"] = run.status
        out["missing_ids"] = error_of(
            b.threads.runs.submit_tool_outputs, run.id, thread_id=t.id,
            tool_outputs=[{"tool_call_id": "call_wrong", "output": "x"}],
        )
        calls = run.required_action.submit_tool_outputs.tool_calls
        b.threads.runs.submit_tool_outputs_and_poll(
            run_id=run.id, thread_id=t.id, tool_outputs=[{"tool_call_id": c.id, "output": "1"} for c in calls]
        )
        out["submit_completed"] = error_of(
            b.threads.runs.submit_tool_outputs, run.id, thread_id=t.id,
            tool_outputs=[{"tool_call_id": c.id, "output": "1"} for c in calls],
        )
        out["cancel_completed"] = error_of(b.threads.runs.cancel, run.id, thread_id=t.id)
        out["unknown_assistant_run"] = error_of(b.threads.runs.create, thread_id=t.id, assistant_id="asst_nope")
        emit(out)
        """,
        live_server.url,
    )

    def error(status, message, param=None, code=None, cls=None):
        cls = cls or {400: "BadRequestError", 404: "NotFoundError", 401: "AuthenticationError"}[status]
        return {
            "class": cls,
            "status": status,
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }

    thread, run = out["ids"]["thread"], out["run"]
    assert out["unknown_thread"] == error(404, "No thread found with id 'thread_x'.")
    assert out["unknown_run"] == error(404, "No run found with id 'run_x'.")
    assert out["unknown_step"] == error(404, "No run found with id 'run_x'.")
    assert out["wrong_prefix"] == error(
        400, "Invalid 'thread_id': '1234'. Expected an ID that begins with 'thread'.", param="thread_id"
    )
    assert out["wrong_prefix_assistant"]["param"] == "assistant_id"
    assert out["unknown_argument"] == error(400, "Unrecognized request argument supplied: color", param="color")
    assert out["v1_argument"]["status"] == 400 and out["v1_argument"]["param"] == "file_ids"
    assert out["v1_argument"]["message"].startswith("Unrecognized request argument supplied: file_ids")
    for name in ("limit_0", "limit_101"):
        assert out[name]["status"] == 400 and out[name]["param"] == "limit", out[name]
        assert out[name]["message"].startswith("Invalid value for 'limit'")
    assert out["bad_order"]["status"] == 400 and out["bad_order"]["param"] == "order"
    assert out["missing_model"]["status"] == 400
    assert out["submit_queued"] == error(400, 'Runs in status "queued" do not accept tool outputs.')
    assert out["message_while_active"] == error(400, f"Can't add messages to {thread} while a run {run} is active.")
    assert out["run_while_active"] == error(400, f"Thread {thread} already has an active run {run}.")
    assert out["run_and_poll_while_active"] == out["run_while_active"]
    assert out["polled"] == "requires_action"
    call_ids = out["missing_ids"]["message"].split("call_ids ")[1].split(",")[0]
    assert out["missing_ids"]["message"].startswith("Expected tool outputs for call_ids ['call_")
    assert out["missing_ids"]["message"].endswith(", got ['call_wrong']") and call_ids
    assert out["submit_completed"] == error(400, 'Runs in status "completed" do not accept tool outputs.')
    assert out["cancel_completed"] == error(400, "Cannot cancel run with status 'completed'.")
    assert out["unknown_assistant_run"] == error(404, "No assistant found with id 'asst_nope'.")


# --- errors no SDK request makes: httpx from the project venv ----------------------------------------------


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


def _error(response: httpx.Response) -> dict:
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


def test_missing_beta_header_is_400_invalid_beta(live_server, http):
    for method, path in [("GET", "/assistants"), ("POST", "/threads"), ("GET", "/threads/thread_x/runs")]:
        response = http.request(method, path, headers={"Authorization": f"Bearer {API_KEY}"})
        assert response.status_code == 400
        assert _error(response) == {
            "message": "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by"
            " setting the header 'OpenAI-Beta: assistants=v2'.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_beta",
        }
    response = http.get("/assistants", headers={**V2, "OpenAI-Beta": "assistants=v3"})
    assert response.status_code == 400 and _error(response)["code"] == "invalid_beta"


def test_missing_bearer_key_is_401(live_server, http):
    for headers in ({"OpenAI-Beta": "assistants=v2"}, {"OpenAI-Beta": "assistants=v1"}):
        response = http.get("/assistants", headers=headers)
        assert response.status_code == 401
        error = _error(response)
        assert error["message"].startswith("You didn't provide an API key.")
        assert error["type"] == "invalid_request_error" and error["code"] is None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nothing/here", "Invalid URL (GET /v1/nothing/here)"),
        ("/assistants/asst_abc/files", "Invalid URL (GET /v1/assistants/asst_abc/files)"),  # v1 only
    ],
)
def test_unknown_path_is_404_invalid_url(live_server, http, path, message):
    response = http.get(path, headers=V2)
    assert response.status_code == 404
    assert _error(response) == {"message": message, "type": "invalid_request_error", "param": None, "code": None}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/assistants", "GET, POST"),
        ("DELETE", "/assistants", "GET, POST"),
        ("PATCH", "/threads/thread_abc", "DELETE, GET, POST"),
        ("GET", "/threads/runs", "POST"),  # not getThread of a thread called "runs"
        ("GET", "/threads/t_1/runs/run_1/cancel", "POST"),
    ],
)
def test_known_path_with_undocumented_method_is_405_with_allow(live_server, http, method, path, allow):
    response = http.request(method, path, headers=V2)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert _error(response) == {
        "message": f"Invalid method for URL ({method} /v1{path})",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_v2_only_operation_with_v1_header_is_405(live_server, http):
    response = http.delete("/threads/thread_abc/messages/msg_abc", headers=V1)
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert _error(response)["message"] == "Invalid method for URL (DELETE /v1/threads/thread_abc/messages/msg_abc)"


def test_a_newline_in_a_path_id_gets_the_json_404(live_server, http):
    response = http.get("/threads/thread_%0Aabc/messages", headers=V2)
    assert response.status_code == 404
    assert _error(response)["message"] == "No thread found with id 'thread_\nabc'."


def test_with_api_keys_only_those_keys_are_accepted(server_contract):
    app = create_app("stateful", contract=server_contract, api_keys=["sk-good-1", "sk-good-2"])
    with TestClient(app) as client:
        for key in ("sk-good-1", "sk-good-2"):
            ok = client.get(
                "/v1/assistants", headers={"OpenAI-Beta": "assistants=v2", "Authorization": f"Bearer {key}"}
            )
            assert ok.status_code == 200, ok.text
        wrong = client.get("/v1/assistants", headers={"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-bad"})
        assert wrong.status_code == 401
        error = _error(wrong)
        assert error["code"] == "invalid_api_key" and "sk-bad" not in error["message"]
        missing = client.get("/v1/assistants", headers={"OpenAI-Beta": "assistants=v2"})
        assert missing.status_code == 401 and _error(missing)["code"] is None


def test_a_v2_function_tool_reads_without_strict_through_v1(live_server, http):
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "strict": True}}
    created = http.post("/assistants", headers=V2, json={"model": "gpt-4o", "tools": [tool]}).json()
    assert created["tools"][0]["function"]["strict"] is True
    through_v1 = http.get(f"/assistants/{created['id']}", headers=V1).json()
    assert through_v1["tools"] == [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    assert live_server.violations == []


def test_bare_paths_are_served_too(live_server):
    with httpx.Client(base_url=live_server.root, timeout=10) as client:
        created = client.post("/assistants", headers=V2, json={"model": "gpt-4o"})
        assert created.status_code == 200
        got = client.get(f"/assistants/{created.json()['id']}", headers=V2)
        assert got.json() == created.json()


@pytest.mark.parametrize(
    ("method", "path", "body", "param"),
    [
        ("POST", "/assistants", {"model": "gpt-4o", "color": "red"}, "color"),
        ("POST", "/assistants", {}, None),
        ("POST", "/assistants", {"model": "gpt-4o", "temperature": 5}, "temperature"),
        ("POST", "/threads/thread_abc/messages", {"role": "robot", "content": "x"}, "role"),
        ("GET", "/assistants?limit=0", None, "limit"),
        ("GET", "/assistants?limit=101", None, "limit"),
        ("GET", "/assistants?limit=ten", None, "limit"),
        ("GET", "/threads/thread_abc/messages?order=up", None, "order"),
    ],
)
def test_invalid_requests_are_400_with_param(live_server, http, method, path, body, param):
    response = http.request(method, path, headers=V2, json=body)
    assert response.status_code == 400
    error = _error(response)
    assert error["type"] == "invalid_request_error" and error["param"] == param, error
    if param == "color":
        assert error["message"] == "Unrecognized request argument supplied: color"


def test_unparsable_json_body_is_400(live_server, http):
    response = http.post("/assistants", headers={**V2, "Content-Type": "application/json"}, content=b"{nope")
    assert response.status_code == 400
    assert _error(response)["message"].startswith("We could not parse the JSON body of your request.")


@pytest.mark.parametrize(
    ("run_body", "what"),
    [
        pytest.param({"instructions": "[[incomplete]]"}, "status 'incomplete'", id="incomplete-status"),
        pytest.param({"tool_choice": "required", "instructions": "[[no-tools]]"}, "tool_choice", id="required"),
        pytest.param(
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}},
            "response_format",
            id="json-schema",
        ),
    ],
)
def test_a_run_made_through_v2_reads_contract_valid_through_v1(live_server, http, run_body, what):
    assistant = http.post("/assistants", headers=V2, json={"model": "gpt-4o"}).json()["id"]
    thread = http.post("/threads", headers=V2, json={}).json()["id"]
    run = http.post(f"/threads/{thread}/runs", headers=V2, json={"assistant_id": assistant, **run_body}).json()
    for _ in range(3):
        http.get(f"/threads/{thread}/runs/{run['id']}", headers=V2)
    assert live_server.violations == []
    response = http.get(f"/threads/{thread}/runs/{run['id']}", headers=V1)
    assert response.status_code == 200
    found = [f"{v.code} {v.pointer}: {v.message}" for v in live_server.violations]
    assert found == [], f"v1 view of a v2 run ({what})"


def test_every_v2_operation_was_driven(live_server, server_contract, request):
    others = {name for name in vars(request.module) if name.startswith("test_")} - {request.node.originalname}
    if not others <= _ran:
        pytest.skip("runs only after the whole module")
    seen = {op for version, op in live_server.operations(server_contract) if version == "v2"}
    v2 = set(server_contract.documents["v2"].operations)
    assert len(v2) == 23
    assert v2 - seen == set()
