"""Mock mode passes what an SDK generator's test suite sends.

Generated suites call every method with every optional parameter set to a placeholder: ids "string",
`limit=0`, `response_format="none"` (which the v2 API took in 2024), made-up tools and metadata. Our contract is
stricter than the published spec in places, so mock mode answers such requests as if they kept it and names
what they broke in the `x-assistants-contract-violations` header; `strict=True` refuses them with 400.

Each SDK (openai 1.20.0 for v1, the current one for v2) runs one script that makes every call through
`with_raw_response`, so the script sees the header and the SDK still parses the body. The polling helpers
(`create_and_poll`, `poll`, ...) are left out: a stateless mock's runs never finish, so they would poll forever;
the calls they are made of are all in. The conftest guard checks every response the server sent against the
contract, so "contract-shaped" is asserted too.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistants_contract.server import create_app
from assistants_contract.server.app import VIOLATIONS_HEADER

from .support import V2, run_client, serve

# What every script starts with: placeholders as generated suites use them, and `call`, which makes one request
# through `with_raw_response` and notes its status, the violations header and what the SDK parsed.
_HELPERS = """
S = "string"
META = {"foo": "string"}
TOOLS = [{"type": "code_interpreter"}]
seen = {}


def describe(parsed):
    if hasattr(parsed, "data"):
        return "list:" + ",".join(item.object for item in parsed.data)
    if hasattr(parsed, "__iter__") and not hasattr(parsed, "object"):
        return "stream:" + ",".join(event.event for event in parsed)
    return parsed.object


def call(label, resource, method, /, *args, **kwargs):
    response = getattr(resource.with_raw_response, method)(*args, **kwargs)
    seen[label] = {
        "status": response.status_code,
        "violations": json.loads(response.headers.get("x-assistants-contract-violations", "[]")),
        "parsed": describe(response.parse()),
        "sent": sorted(kwargs),
    }


def helper_stream(label, manager):
    # The SDK's stream helpers (an event handler over the SSE stream): their events, no header to read.
    with manager as stream:
        seen[label] = {"status": 200, "violations": [], "parsed": "stream:" + ",".join(e.event for e in stream),
                      "sent": []}
"""

V2_SCRIPT = (
    _HELPERS
    + """
b = client.beta
TR = {"code_interpreter": {"file_ids": [S]},
      "file_search": {"vector_store_ids": [S], "vector_stores": [{"chunking_strategy": {"type": "auto"},
                                                                  "file_ids": [S], "metadata": META}]}}
MSG = {"content": S, "role": "user", "attachments": [{"file_id": S, "tools": TOOLS}], "metadata": META}
TRUNC = {"type": "auto", "last_messages": 0}
INCLUDE = ["step_details.tool_calls[*].file_search.results[*].content"]
PAGE = dict(after=S, before=S, limit=0, order="asc")
ASSISTANT = dict(description=S, instructions=S, metadata=META, name=S, reasoning_effort="low",
                 response_format="none", temperature=1, tool_resources=TR, tools=TOOLS, top_p=1)
RUN = dict(instructions=S, max_completion_tokens=256, max_prompt_tokens=256, metadata=META, model=S,
           parallel_tool_calls=True, response_format="none", temperature=1, tool_choice="none", tools=TOOLS,
           top_p=1, truncation_strategy=TRUNC)
THREAD = {"messages": [MSG], "metadata": META, "tool_resources": TR}
OUTPUTS = [{"output": S, "tool_call_id": S}]

call("assistants.create", b.assistants, "create", model="gpt-4o", **ASSISTANT)
call("assistants.retrieve", b.assistants, "retrieve", S)
call("assistants.update", b.assistants, "update", S, model=S, **ASSISTANT)
call("assistants.list", b.assistants, "list", **PAGE)
call("assistants.delete", b.assistants, "delete", S)
call("threads.create", b.threads, "create", **THREAD)
call("threads.retrieve", b.threads, "retrieve", S)
call("threads.update", b.threads, "update", S, metadata=META, tool_resources=TR)
call("threads.delete", b.threads, "delete", S)
call("threads.create_and_run", b.threads, "create_and_run", assistant_id=S, thread=THREAD, tool_resources=TR,
     stream=False, **RUN)
call("threads.create_and_run(stream)", b.threads, "create_and_run", assistant_id=S, thread=THREAD,
     tool_resources=TR, stream=True, **RUN)
helper_stream("threads.create_and_run_stream",
              b.threads.create_and_run_stream(assistant_id=S, thread=THREAD, tool_resources=TR, **RUN))
call("messages.create", b.threads.messages, "create", S, content=S, role="user", attachments=MSG["attachments"],
     metadata=META)
call("messages.retrieve", b.threads.messages, "retrieve", S, thread_id=S)
call("messages.update", b.threads.messages, "update", S, thread_id=S, metadata=META)
call("messages.list", b.threads.messages, "list", S, run_id=S, **PAGE)
call("messages.delete", b.threads.messages, "delete", S, thread_id=S)
call("runs.create", b.threads.runs, "create", S, assistant_id=S, include=INCLUDE, additional_instructions=S,
     additional_messages=[MSG], reasoning_effort="low", stream=False, **RUN)
call("runs.create(stream)", b.threads.runs, "create", S, assistant_id=S, include=INCLUDE,
     additional_instructions=S, additional_messages=[MSG], reasoning_effort="low", stream=True, **RUN)
helper_stream("runs.stream", b.threads.runs.stream(thread_id=S, assistant_id=S, include=INCLUDE,
                                                   additional_instructions=S, additional_messages=[MSG],
                                                   reasoning_effort="low", **RUN))
call("runs.retrieve", b.threads.runs, "retrieve", S, thread_id=S)
call("runs.update", b.threads.runs, "update", S, thread_id=S, metadata=META)
call("runs.list", b.threads.runs, "list", S, **PAGE)
call("runs.cancel", b.threads.runs, "cancel", S, thread_id=S)
call("runs.submit_tool_outputs", b.threads.runs, "submit_tool_outputs", S, thread_id=S, tool_outputs=OUTPUTS,
     stream=False)
call("runs.submit_tool_outputs(stream)", b.threads.runs, "submit_tool_outputs", S, thread_id=S,
     tool_outputs=OUTPUTS, stream=True)
helper_stream("runs.submit_tool_outputs_stream",
              b.threads.runs.submit_tool_outputs_stream(run_id=S, thread_id=S, tool_outputs=OUTPUTS))
call("steps.retrieve", b.threads.runs.steps, "retrieve", S, thread_id=S, run_id=S, include=INCLUDE)
call("steps.list", b.threads.runs.steps, "list", S, thread_id=S, include=INCLUDE, **PAGE)

# Vector stores and their file batches are outside the contract: the router cannot place them.
outside = {
    "vector_stores.create": error_of(client.vector_stores.create, name=S, metadata=META, file_ids=[S]),
    "vector_stores.list": error_of(client.vector_stores.list, **PAGE),
    "file_batches.create": error_of(client.vector_stores.file_batches.create, S, file_ids=[S]),
    "file_batches.cancel": error_of(client.vector_stores.file_batches.cancel, S, vector_store_id=S),
}
emit({"seen": seen, "outside": outside})
"""
)

V1_SCRIPT = (
    _HELPERS
    + """
b = client.beta
MSG = {"content": S, "role": "user", "file_ids": [S], "metadata": META}
TRUNC = {"type": "auto", "last_messages": 0}
PAGE = dict(after=S, before=S, limit=0, order="asc")
ASSISTANT = dict(description=S, file_ids=[S], instructions=S, metadata=META, name=S, tools=TOOLS)
RUN = dict(instructions=S, max_completion_tokens=256, max_prompt_tokens=256, metadata=META, model=S,
           response_format="none", temperature=1, tool_choice="none", tools=TOOLS, truncation_strategy=TRUNC)
THREAD = {"messages": [MSG], "metadata": META}
OUTPUTS = [{"output": S, "tool_call_id": S}]

call("assistants.create", b.assistants, "create", model="gpt-4-turbo", **ASSISTANT)
call("assistants.retrieve", b.assistants, "retrieve", S)
call("assistants.update", b.assistants, "update", S, model=S, **ASSISTANT)
call("assistants.list", b.assistants, "list", **PAGE)
call("assistants.delete", b.assistants, "delete", S)
call("assistants.files.create", b.assistants.files, "create", S, file_id=S)
call("assistants.files.retrieve", b.assistants.files, "retrieve", S, assistant_id=S)
call("assistants.files.list", b.assistants.files, "list", S, **PAGE)
call("assistants.files.delete", b.assistants.files, "delete", S, assistant_id=S)
call("threads.create", b.threads, "create", **THREAD)
call("threads.retrieve", b.threads, "retrieve", S)
call("threads.update", b.threads, "update", S, metadata=META)
call("threads.delete", b.threads, "delete", S)
call("threads.create_and_run", b.threads, "create_and_run", assistant_id=S, thread=THREAD, stream=False, **RUN)
call("threads.create_and_run(stream)", b.threads, "create_and_run", assistant_id=S, thread=THREAD, stream=True,
     **RUN)
helper_stream("threads.create_and_run_stream", b.threads.create_and_run_stream(assistant_id=S, thread=THREAD, **RUN))
call("messages.create", b.threads.messages, "create", S, content=S, role="user", file_ids=[S], metadata=META)
call("messages.retrieve", b.threads.messages, "retrieve", S, thread_id=S)
call("messages.update", b.threads.messages, "update", S, thread_id=S, metadata=META)
call("messages.list", b.threads.messages, "list", S, run_id=S, **PAGE)
call("messages.files.retrieve", b.threads.messages.files, "retrieve", S, thread_id=S, message_id=S)
call("messages.files.list", b.threads.messages.files, "list", S, thread_id=S, **PAGE)
call("runs.create", b.threads.runs, "create", S, assistant_id=S, additional_instructions=S,
     additional_messages=[MSG], stream=False, **RUN)
call("runs.create(stream)", b.threads.runs, "create", S, assistant_id=S, additional_instructions=S,
     additional_messages=[MSG], stream=True, **RUN)
helper_stream("runs.stream", b.threads.runs.stream(thread_id=S, assistant_id=S, additional_instructions=S,
                                                   additional_messages=[MSG], **RUN))
helper_stream("runs.create_and_stream", b.threads.runs.create_and_stream(thread_id=S, assistant_id=S, **RUN))
call("runs.retrieve", b.threads.runs, "retrieve", S, thread_id=S)
call("runs.update", b.threads.runs, "update", S, thread_id=S, metadata=META)
call("runs.list", b.threads.runs, "list", S, **PAGE)
call("runs.cancel", b.threads.runs, "cancel", S, thread_id=S)
call("runs.submit_tool_outputs", b.threads.runs, "submit_tool_outputs", S, thread_id=S, tool_outputs=OUTPUTS,
     stream=False)
call("runs.submit_tool_outputs(stream)", b.threads.runs, "submit_tool_outputs", S, thread_id=S,
     tool_outputs=OUTPUTS, stream=True)
helper_stream("runs.submit_tool_outputs_stream",
              b.threads.runs.submit_tool_outputs_stream(run_id=S, thread_id=S, tool_outputs=OUTPUTS))
call("steps.retrieve", b.threads.runs.steps, "retrieve", S, thread_id=S, run_id=S)
call("steps.list", b.threads.runs.steps, "list", S, thread_id=S, **PAGE)
emit({"seen": seen, "outside": {}})
"""
)


# Every method each SDK has for the Assistants API, as the scripts label them (polling helpers left out).
V1_METHODS = {
    "assistants.create", "assistants.retrieve", "assistants.update", "assistants.list", "assistants.delete",
    "assistants.files.create", "assistants.files.retrieve", "assistants.files.list", "assistants.files.delete",
    "threads.create", "threads.retrieve", "threads.update", "threads.delete", "threads.create_and_run",
    "threads.create_and_run(stream)", "threads.create_and_run_stream", "messages.create", "messages.retrieve",
    "messages.update", "messages.list", "messages.files.retrieve", "messages.files.list", "runs.create",
    "runs.create(stream)", "runs.stream", "runs.create_and_stream", "runs.retrieve", "runs.update", "runs.list",
    "runs.cancel", "runs.submit_tool_outputs", "runs.submit_tool_outputs(stream)", "runs.submit_tool_outputs_stream",
    "steps.retrieve", "steps.list",
}  # fmt: skip
V2_METHODS = (V1_METHODS - {m for m in V1_METHODS if ".files." in m} - {"runs.create_and_stream"}) | {"messages.delete"}
LIMIT = {"code": "request.query.invalid", "pointer": "/limit"}
RESPONSE_FORMAT = {"code": "request.body.schema", "pointer": "/response_format"}
LAST_MESSAGES = {"code": "request.body.schema", "pointer": "/truncation_strategy/last_messages"}


@pytest.fixture(scope="module")
def v1_calls(mock_server, v1_client):
    return run_client(v1_client, V1_SCRIPT, mock_server.url)


@pytest.fixture(scope="module")
def v2_calls(mock_server, v2_client):
    return run_client(v2_client, V2_SCRIPT, mock_server.url)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_every_method_with_every_placeholder_succeeds(version, v1_calls, v2_calls, mock_server):
    calls = v1_calls if version == "v1" else v2_calls
    seen = calls["seen"]
    assert set(seen) == (V1_METHODS if version == "v1" else V2_METHODS)
    for label, result in seen.items():
        assert result["status"] == 200, label
        parsed = result["parsed"]
        if label.endswith(".list"):
            assert parsed.startswith("list:") and len(parsed) > 5, (label, parsed)
        elif "stream" in label:
            first = "thread.run.step.completed" if "submit" in label else "thread."
            assert parsed.startswith("stream:" + first) and parsed.endswith("thread.run.completed"), (label, parsed)
        elif label.endswith(".delete"):
            assert parsed.endswith(".deleted"), (label, parsed)
        else:
            assert parsed.startswith(("assistant", "thread")), (label, parsed)
    # One request per call went to the server, and it answered each with a 200.
    assert not mock_server.new_server_errors()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_header_names_what_the_placeholders_broke(version, v1_calls, v2_calls):
    seen = (v1_calls if version == "v1" else v2_calls)["seen"]
    for label, result in seen.items():
        found = result["violations"]
        assert (LIMIT in found) == ("limit" in result["sent"]), (label, found)
        if version == "v2":
            assert (RESPONSE_FORMAT in found) == ("response_format" in result["sent"]), (label, found)
        if "truncation_strategy" in result["sent"]:
            assert LAST_MESSAGES in found, (label, found)
        if not result["sent"] or label.endswith((".retrieve", ".delete", ".cancel")):
            assert found == [], (label, found)
    assert seen["assistants.list"]["violations"] == [LIMIT]
    if version == "v2":
        assert seen["runs.create"]["violations"] == [RESPONSE_FORMAT, LAST_MESSAGES]


def test_paths_outside_the_contract_still_get_the_404_envelope(v2_calls):
    outside = v2_calls["outside"]
    assert set(outside) == {"vector_stores.create", "vector_stores.list", "file_batches.create", "file_batches.cancel"}
    for result in outside.values():
        assert (result["class"], result["status"], result["type"]) == ("NotFoundError", 404, "invalid_request_error")
        assert result["message"].startswith("Invalid URL (")


@pytest.fixture(scope="module")
def strict_mock_server(server_contract):
    with serve(create_app("mock", contract=server_contract, self_check=True, strict=True)) as server:
        yield server


def test_strict_mock_refuses_the_placeholders_with_400(strict_mock_server, v2_client):
    out = run_client(
        v2_client,
        """
        emit({
            "list": error_of(client.beta.assistants.list, limit=0),
            "create": error_of(client.beta.assistants.create, model="gpt-4o", response_format="none"),
            "retrieve": client.beta.assistants.retrieve("string").id,
        })
        """,
        strict_mock_server.url,
    )
    assert (out["list"]["class"], out["list"]["status"], out["list"]["param"]) == ("BadRequestError", 400, "limit")
    assert out["list"]["type"] == "invalid_request_error"
    assert (out["create"]["status"], out["create"]["param"]) == (400, "response_format")
    assert out["retrieve"] == "string", "made-up ids are still fine in strict mock mode"


def test_stateful_mode_still_refuses(live_server):
    response = httpx.get(live_server.url + "/assistants?limit=0", headers=V2)
    assert response.status_code == 400 and response.json()["error"]["param"] == "limit"
    assert VIOLATIONS_HEADER not in response.headers


def _fake_key() -> str:
    return "-".join(["sk", "proj", "a1b2c3d4" * 6])  # key-shaped, built at run time


def test_the_log_line_and_the_header_are_redacted_and_bounded(mock_server, caplog):
    key = _fake_key()
    body = {"model": "gpt-4o", "temperature": key, key: 1}
    body.update({f"unknown_{n:03}_{'x' * 40}": n for n in range(60)})
    with caplog.at_level(logging.WARNING, logger="assistants_contract.server"):
        response = httpx.post(mock_server.url + "/assistants", headers=V2, json=body)
    assert response.status_code == 200 and response.json()["object"] == "assistant"
    raw = response.headers[VIOLATIONS_HEADER]
    assert raw.isascii() and len(raw) <= 1024 and key not in raw
    listed = json.loads(raw)
    assert {"code": "request.body.schema", "pointer": "/temperature"} in listed
    assert 1 < len(listed) < 62, "cut to whole entries that fit"
    assert all(set(entry) == {"code", "pointer"} for entry in listed)
    lines = [r.getMessage() for r in caplog.records if r.name == "assistants_contract.server"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert lines[0].startswith("mock: POST /v1/assistants breaks the contract") and key not in lines[0]
    assert lines[0].count("request.body.unknown_property") == 61, "the log line has them all"


# --- streams stop when the client goes -------------------------------------------------------------------------

_EVENT_DELAY = 0.05  # seconds between events: a stream of ~15 events lasts long enough to be cut in the middle


@pytest.fixture(scope="module", params=["stateful", "mock"])
def slow_server(request, server_contract):
    app = create_app(request.param, contract=server_contract, self_check=True, stream_delay=_EVENT_DELAY)
    with serve(app) as server:
        yield server


def _stream_request(server) -> bytes:
    """A raw HTTP request for a streamed run; in stateful mode on an assistant and thread made for it."""
    thread_id, assistant_id = "thread_x", "asst_x"
    if server.app.state.backend.__class__.__name__ == "StatefulBackend":
        assistant_id = httpx.post(server.url + "/assistants", headers=V2, json={"model": "gpt-4o"}).json()["id"]
        thread_id = httpx.post(server.url + "/threads", headers=V2, json={}).json()["id"]
    body = json.dumps({"assistant_id": assistant_id, "stream": True}).encode()
    head = (
        f"POST /v1/threads/{thread_id}/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nOpenAI-Beta: assistants=v2\r\n"
        f"Authorization: {V2['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def test_a_stream_stops_when_the_client_goes(slow_server, caplog):
    port = int(slow_server.root.rsplit(":", 1)[1])
    request = _stream_request(slow_server)

    def lines(word: str) -> list[str]:
        messages = [record.getMessage() for record in list(caplog.records)]
        return [m for m in messages if "createRun" in m and word in m]

    with caplog.at_level(logging.DEBUG, logger="assistants_contract.server"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request)
            received = b""
            while b"\n\n" not in received.partition(b"event:")[2]:  # the first event, whole (chunked framing)
                chunk = sock.recv(65536)
                assert chunk, "the server closed the stream before its first event"
                received += chunk
            sent_at_close = len(lines("sent event"))
        deadline = time.monotonic() + 10  # waiting for the server, not timing it: no assertion on how long
        while not lines("closed after") and time.monotonic() < deadline:
            time.sleep(0.01)
    assert b"200 OK" in received.split(b"\r\n", 1)[0]
    closed = lines("closed after")
    assert len(closed) == 1, "the stream's event generator was closed"
    done, total = (int(n) for n in closed[0].rsplit("after ", 1)[1].removesuffix(" events").split(" of "))
    assert done < total, closed[0]
    assert len(lines("sent event")) - sent_at_close <= 2, "at most a couple of events after the client went"
    assert len(lines("sent event")) == done
    assert lines("the client went away")


# --- the command line ------------------------------------------------------------------------------------------

CLI = Path(sys.executable).parent / "assistants-contract"


@pytest.mark.skipif(not CLI.exists(), reason="the assistants-contract entry point is not installed")
@pytest.mark.parametrize("strict", [False, True], ids=["mock", "mock-strict"])
def test_serve_mock_answers_or_refuses_as_told(strict):
    argv = [str(CLI), "serve", "--mode", "mock", "--port", "0"] + (["--strict"] if strict else [])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = proc.stdout.readline()
        match = re.search(r"on http://127\.0\.0\.1:(\d+)/v1", banner)
        assert match, banner
        response = httpx.get(f"http://127.0.0.1:{match.group(1)}/v1/assistants?limit=0", headers=V2, timeout=10)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    if strict:
        assert response.status_code == 400 and response.json()["error"]["param"] == "limit"
        assert VIOLATIONS_HEADER not in response.headers and "breaks the contract" not in stderr
    else:
        assert response.status_code == 200 and json.loads(response.headers[VIOLATIONS_HEADER]) == [LIMIT]
        line = "mock: GET /v1/assistants breaks the contract, answered anyway: request.query.invalid at /limit"
        assert line in stderr
        assert V2["Authorization"].split()[1] not in stderr
