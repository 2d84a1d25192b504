"""Mock mode: every operation of both versions answers 200 with a contract-valid object for made-up ids.

Requests go over loopback with httpx (the conftest guard checks every response against the contract and
fails on any 5xx); one test drives the mock server with the current openai SDK, as its generated test suite
would (ids like "thread_id" and "string"). Requests that break the contract in a parameter or the body are
answered anyway, with the violations header; a strict mock refuses them with 400.
"""

from __future__ import annotations

import json

import httpx
import pytest

from assistants_contract import Contract
from assistants_contract.server import create_app
from assistants_contract.server.app import VIOLATIONS_HEADER

from .support import V1, V2, run_client, serve

# A minimal valid body for each operation that takes one.
BODIES = {
    "createAssistant": {"model": "gpt-4o"},
    "modifyAssistant": {},
    "createAssistantFile": {"file_id": "string"},
    "createThread": {},
    "modifyThread": {},
    "createMessage": {"role": "user", "content": "Hello"},
    "modifyMessage": {},
    "createThreadAndRun": {"assistant_id": "string"},
    "createRun": {"assistant_id": "string"},
    "modifyRun": {},
    "submitToolOuputsToRun": {"tool_outputs": [{"tool_call_id": "string", "output": "string"}]},
}
OBJECTS = {
    "Assistants": "list",
    "Assistant": "assistant",
    "AssistantFiles": "list",
    "AssistantFile": "assistant.file",
    "Thread": "thread",
    "Messages": "list",
    "Message": "thread.message",
    "MessageFiles": "list",
    "MessageFile": "thread.message.file",
    "ThreadAndRun": "thread.run",
    "Runs": "list",
    "Run": "thread.run",
    "ToolOuputsToRun": "thread.run",
    "RunSteps": "list",
    "RunStep": "thread.run.step",
}


def _expected_object(operation_id: str) -> str:
    verb = next(
        v for v in ("list", "create", "get", "modify", "delete", "submit", "cancel") if operation_id.startswith(v)
    )
    noun = operation_id[len(verb) :]
    if verb == "delete":
        return {"AssistantFile": "assistant.file"}.get(noun, OBJECTS[noun]) + ".deleted"
    return OBJECTS[noun]


_CONTRACT = Contract.load()
CASES = [
    pytest.param(version, operation, id=f"{version}-{operation.operation_id}")
    for version, document in _CONTRACT.documents.items()
    for operation in document.operations.values()
]


def test_the_cases_cover_both_versions():
    assert len(CASES) == 28 + 23


@pytest.fixture(scope="module")
def http(mock_server):
    with httpx.Client(base_url=mock_server.url, timeout=10) as client:
        yield client


def _path(template: str, fill) -> str:
    for name in ("assistant_id", "thread_id", "message_id", "run_id", "step_id", "file_id"):
        template = template.replace("{" + name + "}", fill(name))
    return template


@pytest.mark.parametrize(("version", "operation"), CASES)
@pytest.mark.parametrize("ids", ["names", "string"])
def test_every_operation_answers_200_for_made_up_ids(mock_server, http, version, operation, ids):
    fill = (lambda name: name) if ids == "names" else (lambda name: "string")
    headers = V1 if version == "v1" else V2
    body = BODIES.get(operation.operation_id)
    response = http.request(operation.method.upper(), _path(operation.path, fill), headers=headers, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["object"] == _expected_object(operation.operation_id)
    params = [name for name in ("assistant_id", "thread_id", "message_id", "run_id", "step_id", "file_id")]
    named = {name: fill(name) for name in params if "{" + name + "}" in operation.path}
    item = data["data"][0] if data["object"] == "list" else data
    if data["object"] == "list":
        assert data["first_id"] == data["last_id"] == item["id"] and data["has_more"] is False
    if operation.operation_id.startswith(("get", "modify", "delete", "cancel", "submit")):
        last = list(named)[-1]
        assert item["id"] == named[last], "the object carries the id the path named"
    for name, value in named.items():
        if name in item and name != "file_id":
            assert item[name] == value, f"{name} echoed"
        if name == "thread_id" and "thread_id" in item:
            assert item["thread_id"] == value


def test_get_run_echoes_the_path_ids(mock_server, http):
    run = http.get("/threads/thread_id/runs/run_id", headers=V2).json()
    assert (run["id"], run["thread_id"], run["object"]) == ("run_id", "thread_id", "thread.run")
    assert run["status"] == "queued" and run["parallel_tool_calls"] is True


def test_get_run_step_and_message_echo_the_path_ids(mock_server, http):
    step = http.get("/threads/t1/runs/r1/steps/s1", headers=V2).json()
    assert (step["id"], step["run_id"], step["thread_id"]) == ("s1", "r1", "t1")
    assert step["status"] == "completed"
    message = http.get("/threads/t1/messages/m1", headers=V2).json()
    assert (message["id"], message["thread_id"]) == ("m1", "t1")
    file = http.get("/threads/t1/messages/m1/files/f1", headers=V1).json()
    assert (file["id"], file["message_id"], file["object"]) == ("f1", "m1", "thread.message.file")


def test_create_assistant_echoes_the_request_fields(mock_server, http):
    body = {
        "model": "gpt-4-turbo",
        "name": "Echo",
        "description": "d",
        "instructions": "i",
        "metadata": {"k": "v"},
        "tools": [{"type": "code_interpreter"}],
        "temperature": 0.3,
    }
    assistant = http.post("/assistants", headers=V2, json=body).json()
    assert {k: assistant[k] for k in body} == body
    assert assistant["id"].startswith("asst_")
    modified = http.post("/assistants/asst_given", headers=V2, json={"name": "New", "metadata": {"a": "b"}}).json()
    assert (modified["id"], modified["name"], modified["metadata"]) == ("asst_given", "New", {"a": "b"})


def test_other_requests_echo_their_fields(mock_server, http):
    thread = http.post("/threads/thread_7", headers=V2, json={"metadata": {"x": "1"}}).json()
    assert (thread["id"], thread["metadata"]) == ("thread_7", {"x": "1"})
    message = http.post("/threads/th/messages", headers=V2, json={"role": "assistant", "content": "said"}).json()
    assert message["thread_id"] == "th" and message["role"] == "assistant"
    assert message["content"][0]["text"]["value"] == "said"
    meta = http.post("/threads/th/messages/mm", headers=V2, json={"metadata": {"m": "1"}}).json()
    assert (meta["id"], meta["metadata"]) == ("mm", {"m": "1"})
    run = http.post("/threads/th/runs", headers=V2, json={"assistant_id": "asst_mine", "metadata": {"r": "1"}}).json()
    assert (run["thread_id"], run["assistant_id"], run["metadata"]) == ("th", "asst_mine", {"r": "1"})
    modified = http.post("/threads/th/runs/rr", headers=V2, json={"metadata": {"q": "2"}}).json()
    assert (modified["id"], modified["metadata"]) == ("rr", {"q": "2"})
    cancelled = http.post("/threads/th/runs/rr/cancel", headers=V2).json()
    assert (cancelled["id"], cancelled["status"]) == ("rr", "cancelling")
    submitted = http.post(
        "/threads/th/runs/rr/submit_tool_outputs", headers=V2, json={"tool_outputs": [{"tool_call_id": "c"}]}
    ).json()
    assert (submitted["id"], submitted["status"]) == ("rr", "queued")
    both = http.post("/threads/runs", headers=V2, json={"assistant_id": "asst_mine", "instructions": "x"}).json()
    assert both["assistant_id"] == "asst_mine" and both["instructions"] == "x"
    deleted = http.delete("/threads/th/messages/mm", headers=V2).json()
    assert deleted == {"id": "mm", "object": "thread.message.deleted", "deleted": True}
    file = http.post("/assistants/asst_a/files", headers=V1, json={"file_id": "file-given"}).json()
    assert (file["id"], file["assistant_id"]) == ("file-given", "asst_a")


def test_nothing_is_remembered(mock_server, http):
    first = http.post("/assistants", headers=V2, json={"model": "gpt-4o", "name": "kept?"}).json()
    again = http.get(f"/assistants/{first['id']}", headers=V2).json()
    assert again["id"] == first["id"] and again["name"] is None
    assert http.delete("/threads/thread_a", headers=V2).status_code == 200
    assert http.get("/threads/thread_a", headers=V2).status_code == 200


# Requests that break the contract in a parameter or the body: what the violations header names for each, and the
# `param` of the 400 that `--strict` answers with.
BREAKING = [
    ("POST", "/assistants", V2, {"model": "gpt-4o", "color": "red"}, "request.body.unknown_property", "/color",
     "color"),
    ("POST", "/assistants", V2, {}, "request.body.schema", "", None),
    ("POST", "/threads/t/messages", V2, {"role": "user"}, "request.body.schema", "", None),
    ("POST", "/threads/t/runs", V2, {"assistant_id": "a", "top_k": 3}, "request.body.unknown_property", "/top_k",
     "top_k"),
    ("POST", "/assistants", V1, {"model": "gpt-4o", "tool_resources": {}}, "request.body.unknown_property",
     "/tool_resources", "tool_resources"),
    ("GET", "/assistants?limit=0", V2, None, "request.query.invalid", "/limit", "limit"),
    ("GET", "/assistants?limit=101", V2, None, "request.query.invalid", "/limit", "limit"),
]  # fmt: skip
# Requests the API refuses whatever the mock's strictness: no OpenAI-Beta, no key, paths the router cannot place.
REFUSED = [
    ("GET", "/assistants", {"Authorization": V2["Authorization"]}, 400),
    ("GET", "/assistants", {"OpenAI-Beta": "assistants=v2"}, 401),
    ("GET", "/nothing", V2, 404),
    ("DELETE", "/threads/t/messages/m", V1, 405),  # v1 has GET and POST there
    ("GET", "/assistants/a/files", V2, 404),
]


@pytest.fixture(scope="module")
def strict_mock_server(server_contract):
    """Mock mode with `strict=True`: contract-breaking requests get the API's 400."""
    with serve(create_app("mock", contract=server_contract, self_check=True, strict=True)) as server:
        yield server


@pytest.mark.parametrize(("method", "path", "headers", "body", "code", "pointer", "param"), BREAKING)
def test_contract_breaking_requests_get_their_answer_and_the_violations_header(
    mock_server, http, method, path, headers, body, code, pointer, param
):
    response = http.request(method, path, headers=headers, json=body)
    assert response.status_code == 200, response.text
    kinds = {"/assistants": "assistant", "/threads/t/messages": "thread.message", "/threads/t/runs": "thread.run"}
    assert response.json()["object"] == ("list" if method == "GET" else kinds[path])
    assert {"code": code, "pointer": pointer} in json.loads(response.headers[VIOLATIONS_HEADER])


@pytest.mark.parametrize(("method", "path", "headers", "body", "code", "pointer", "param"), BREAKING)
def test_strict_mock_refuses_contract_breaking_requests(
    strict_mock_server, method, path, headers, body, code, pointer, param
):
    response = httpx.request(method, strict_mock_server.url + path, headers=headers, json=body)
    assert response.status_code == 400, response.text
    assert VIOLATIONS_HEADER not in response.headers
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    if param and method == "POST":
        assert error["message"].startswith(f"Unrecognized request argument supplied: {param}")


def test_requests_that_keep_the_contract_get_no_violations_header(mock_server, http):
    response = http.get("/assistants?limit=1&order=asc", headers=V2)
    assert response.status_code == 200 and VIOLATIONS_HEADER not in response.headers


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize(("method", "path", "headers", "status"), REFUSED)
def test_gates_and_unplaceable_requests_are_refused_in_both(
    mock_server, strict_mock_server, strict, method, path, headers, status
):
    server = strict_mock_server if strict else mock_server
    response = httpx.request(method, server.url + path, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert VIOLATIONS_HEADER not in response.headers


def test_mock_mode_does_not_check_id_prefixes(mock_server, http):
    assert http.get("/threads/1234", headers=V2).json()["id"] == "1234"


def _events(response: httpx.Response) -> list[tuple[str, object]]:
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        data = fields["data"]
        events.append((fields["event"], data if data == "[DONE]" else json.loads(data)))
    return events


def test_streaming_create_run(mock_server, http):
    response = http.post("/threads/thread_s/runs", headers=V2, json={"assistant_id": "asst_s", "stream": True})
    events = _events(response)
    names = [name for name, _ in events]
    assert names[0] == "thread.run.created" and names[-2:] == ["thread.run.completed", "done"]
    assert events[-1][1] == "[DONE]"
    runs = [data for name, data in events if name.startswith("thread.run.") and "step" not in name]
    assert {r["thread_id"] for r in runs} == {"thread_s"} and {r["assistant_id"] for r in runs} == {"asst_s"}
    text = "".join(d["delta"]["content"][0]["text"]["value"] for n, d in events if n == "thread.message.delta")
    assert text == "Hello! How can I help?"


def test_streaming_thread_and_run_and_tool_outputs(mock_server, http):
    events = _events(http.post("/threads/runs", headers=V1, json={"assistant_id": "asst_t", "stream": True}))
    assert [n for n, _ in events[:2]] == ["thread.created", "thread.run.created"]
    assert events[-2][0] == "thread.run.completed"
    events = _events(
        http.post(
            "/threads/th/runs/run_x/submit_tool_outputs",
            headers=V2,
            json={"tool_outputs": [{"tool_call_id": "call_1", "output": "42"}], "stream": True},
        )
    )
    names = [n for n, _ in events]
    assert names[:2] == ["thread.run.step.completed", "thread.run.queued"] and names[-1] == "done"
    assert {d["id"] for n, d in events if n.startswith("thread.run.") and "step" not in n} == {"run_x"}


def test_streaming_with_a_marker(mock_server, http):
    events = _events(
        http.post("/threads/t/runs", headers=V2, json={"assistant_id": "a", "instructions": "[[fail]]", "stream": True})
    )
    assert [n for n, _ in events][-2:] == ["thread.run.failed", "done"]


def test_the_current_openai_sdk_against_mock_mode(mock_server, v2_client):
    out = run_client(
        v2_client,
        """
        b = client.beta
        out = {}
        out["assistant"] = b.assistants.retrieve("assistant_id").id
        out["assistants"] = [a.id for a in b.assistants.list()]
        out["created"] = b.assistants.create(model="gpt-4o", name="n").name
        out["deleted"] = b.assistants.delete("assistant_id").deleted
        out["thread"] = b.threads.update("thread_id", metadata={"a": "b"}).metadata
        out["message"] = b.threads.messages.retrieve("message_id", thread_id="thread_id").id
        out["message_deleted"] = b.threads.messages.delete("message_id", thread_id="thread_id").id
        run = b.threads.runs.retrieve("run_id", thread_id="thread_id")
        out["run"] = [run.id, run.thread_id, run.status]
        out["cancel"] = b.threads.runs.cancel("run_id", thread_id="thread_id").status
        out["submit"] = b.threads.runs.submit_tool_outputs(
            "run_id", thread_id="thread_id", tool_outputs=[{"tool_call_id": "x", "output": "y"}]
        ).status
        step = b.threads.runs.steps.retrieve("step_id", thread_id="thread_id", run_id="run_id")
        out["step"] = [step.id, step.run_id, step.thread_id]
        out["steps"] = [s.id for s in b.threads.runs.steps.list("run_id", thread_id="thread_id")]
        out["stream"] = [e.event for e in b.threads.runs.create("thread_id", assistant_id="asst", stream=True)]
        emit(out)
        """,
        mock_server.url,
    )
    assert out["assistant"] == "assistant_id" and len(out["assistants"]) == 1
    assert out["created"] == "n" and out["deleted"] is True
    assert out["thread"] == {"a": "b"}
    assert out["message"] == "message_id" and out["message_deleted"] == "message_id"
    assert out["run"] == ["run_id", "thread_id", "queued"]
    assert out["cancel"] == "cancelling" and out["submit"] == "queued"
    assert out["step"] == ["step_id", "run_id", "thread_id"] and len(out["steps"]) == 1
    assert out["stream"][0] == "thread.run.created" and out["stream"][-1] == "thread.run.completed"
