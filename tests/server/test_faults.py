"""Fault injection: every fault in the catalog does what its summary says, and nothing when it is off.

In process, with starlette's TestClient. Each fault has one small scenario, run twice per API version: against
a server with only that fault (the mistake must show) and against a correct server (the same requests must
behave as the API does, and every answer must obey the contract). Then the catalog itself and the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from assistants_contract import Contract
from assistants_contract.cli import cli
from assistants_contract.server import Store, create_app
from assistants_contract.server.faults import FAULTS, KINDS, resolve_faults

from .support import API_KEY, V1, V2, WEATHER_TOOL

HEADERS = {"v1": V1, "v2": V2}
TERMINAL = ("completed", "failed", "cancelled", "expired", "incomplete", "requires_action")


@pytest.fixture
def client_for(server_contract: Contract) -> Iterator[Callable[..., TestClient]]:
    """Make in-process clients of self-checking stateful apps; they are closed when the test ends."""
    opened: list[TestClient] = []

    def make(faults: tuple[str, ...] = ()) -> TestClient:
        client = TestClient(create_app("stateful", contract=server_contract, self_check=True, faults=faults))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


# --- request helpers -----------------------------------------------------------------------------------------


def _ok(response: Any) -> Any:
    assert 200 <= response.status_code < 300, (response.status_code, response.text)
    return response.json()


def _assistant(c: TestClient, h: dict, **fields: Any) -> dict:
    return _ok(c.post("/v1/assistants", headers=h, json={"model": "gpt-4o", **fields}))


def _thread(c: TestClient, h: dict, text: str = "hello there") -> dict:
    return _ok(c.post("/v1/threads", headers=h, json={"messages": [{"role": "user", "content": text}]}))


def _run(c: TestClient, h: dict, **assistant_fields: Any) -> dict:
    assistant = _assistant(c, h, **assistant_fields)
    thread = _thread(c, h)
    return _ok(c.post(f"/v1/threads/{thread['id']}/runs", headers=h, json={"assistant_id": assistant["id"]}))


def _get_run(c: TestClient, h: dict, run: dict) -> dict:
    return _ok(c.get(f"/v1/threads/{run['thread_id']}/runs/{run['id']}", headers=h))


def _poll(c: TestClient, h: dict, run: dict, reads: int = 4) -> list[str]:
    """The statuses `reads` reads of the run show, stopping at a terminal one (or requires_action)."""
    seen = []
    for _ in range(reads):
        seen.append(_get_run(c, h, run)["status"])
        if seen[-1] in TERMINAL:
            break
    return seen


def _events(text: str) -> list[tuple[str, str]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], lines["data"]))
    return events


def _streamed_run(c: TestClient, h: dict) -> tuple[dict, list[tuple[str, str]]]:
    """A thread with one user message and a streamed run on it; the thread and the events."""
    assistant = _assistant(c, h)
    thread = _thread(c, h, "tell me something")
    response = c.post(
        f"/v1/threads/{thread['id']}/runs", headers=h, json={"assistant_id": assistant["id"], "stream": True}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    return thread, _events(response.text)


def _parses(data: str) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


# --- one scenario per fault: (client, headers, faulty) ----------------------------------------------------------


def _assistant_no_model(c: TestClient, h: dict, faulty: bool) -> None:
    created = _assistant(c, h)
    got = _ok(c.get(f"/v1/assistants/{created['id']}", headers=h))
    listed = _ok(c.get("/v1/assistants", headers=h))["data"][0]
    assert ["model" in o for o in (created, got, listed)] == [not faulty] * 3


def _run_created_at_string(c: TestClient, h: dict, faulty: bool) -> None:
    run = _run(c, h)
    listed = _ok(c.get(f"/v1/threads/{run['thread_id']}/runs", headers=h))["data"][0]
    kinds = {type(o["created_at"]) for o in (run, _get_run(c, h, run), listed)}
    assert kinds == ({str} if faulty else {int})
    assert int(run["created_at"]) > 1_600_000_000


def _run_status_running(c: TestClient, h: dict, faulty: bool) -> None:
    run = _run(c, h)
    assert run["status"] == "queued"
    assert _get_run(c, h, run)["status"] == ("running" if faulty else "in_progress")
    assert _poll(c, h, run)[-1] == "completed"


def _thread_metadata_null(c: TestClient, h: dict, faulty: bool) -> None:
    thread = _ok(c.post("/v1/threads", headers=h, json={"metadata": {"team": "blue"}}))
    got = _ok(c.get(f"/v1/threads/{thread['id']}", headers=h))
    expected = None if faulty else {"team": "blue"}
    assert (thread["metadata"], got["metadata"]) == (expected, expected)


def _message_object_name(c: TestClient, h: dict, faulty: bool) -> None:
    thread = _ok(c.post("/v1/threads", headers=h, json={}))
    message = _ok(c.post(f"/v1/threads/{thread['id']}/messages", headers=h, json={"role": "user", "content": "hi"}))
    listed = _ok(c.get(f"/v1/threads/{thread['id']}/messages", headers=h))
    expected = "message" if faulty else "thread.message"
    assert (message["object"], listed["data"][0]["object"], listed["object"]) == (expected, expected, "list")


def _assistant_id_prefix(c: TestClient, h: dict, faulty: bool) -> None:
    created = _assistant(c, h)
    assert created["id"].startswith("assistant-" if faulty else "asst_")
    assert len(created["id"].split("-" if faulty else "_", 1)[1]) == 24
    # The server takes its own ids back, in the path and in a run's body.
    assert _ok(c.get(f"/v1/assistants/{created['id']}", headers=h))["id"] == created["id"]
    assert [o["id"] for o in _ok(c.get("/v1/assistants", headers=h))["data"]] == [created["id"]]
    thread = _ok(c.post("/v1/threads", headers=h, json={}))
    run = _ok(c.post(f"/v1/threads/{thread['id']}/runs", headers=h, json={"assistant_id": created["id"]}))
    assert run["assistant_id"].startswith("asst_")
    # A foreign id of the wrong kind is still refused.
    assert c.get("/v1/assistants/thread_abc", headers=h).status_code == 400


def _create_201(c: TestClient, h: dict, faulty: bool) -> None:
    created = [
        c.post("/v1/assistants", headers=h, json={"model": "gpt-4o"}).status_code,
        c.post("/v1/threads", headers=h, json={}).status_code,
    ]
    assert created == ([201, 201] if faulty else [200, 200])
    assert c.get("/v1/assistants", headers=h).status_code == 200


def _json_as_text_plain(c: TestClient, h: dict, faulty: bool) -> None:
    listed = c.get("/v1/assistants", headers=h)
    missing = c.get("/v1/threads/thread_nothing", headers=h)
    types = [r.headers["content-type"].split(";")[0] for r in (listed, missing)]
    assert types == (["text/plain"] * 2 if faulty else ["application/json"] * 2)
    assert listed.json()["object"] == "list" and missing.status_code == 404


def _unknown_id_500(c: TestClient, h: dict, faulty: bool) -> None:
    missing = c.get("/v1/threads/thread_nothing", headers=h)
    if faulty:
        assert missing.status_code == 500 and missing.json()["error"]["type"] == "server_error"
    else:
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "No thread found with id 'thread_nothing'."
    assert c.get("/v1/nothing/here", headers=h).status_code == 404  # not an id: an undocumented path


def _delete_204(c: TestClient, h: dict, faulty: bool) -> None:
    created = _assistant(c, h)
    deleted = c.delete(f"/v1/assistants/{created['id']}", headers=h)
    if faulty:
        assert (deleted.status_code, deleted.content) == (204, b"")
    else:
        assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert c.get(f"/v1/assistants/{created['id']}", headers=h).status_code == 404


def _error_unwrapped(c: TestClient, h: dict, faulty: bool) -> None:
    missing = c.get("/v1/threads/thread_nothing", headers=h)
    invalid = c.post("/v1/assistants", headers=h, json={"name": "no model"})
    assert (missing.status_code, invalid.status_code) == (404, 400)
    for body in (missing.json(), invalid.json()):
        if faulty:
            assert set(body) == {"message"} and body["message"]
        else:
            assert set(body) == {"error"} and body["error"]["type"] == "invalid_request_error"


def _error_no_param_code(c: TestClient, h: dict, faulty: bool) -> None:
    invalid = c.post("/v1/assistants", headers=h, json={"model": "gpt-4o", "color": "red"})
    assert invalid.status_code == 400
    error = invalid.json()["error"]
    if faulty:
        assert set(error) == {"message", "type"}
    else:
        assert error.get("param") == "color" and "code" in error


def _three_assistants(c: TestClient, h: dict) -> list[str]:
    """Ids of three new assistants, oldest first."""
    return [_assistant(c, h, name=f"a{i}")["id"] for i in range(3)]


def _has_more_false(c: TestClient, h: dict, faulty: bool) -> None:
    _three_assistants(c, h)
    page = _ok(c.get("/v1/assistants?limit=2", headers=h))
    assert len(page["data"]) == 2 and page["has_more"] is (not faulty)


def _after_ignored(c: TestClient, h: dict, faulty: bool) -> None:
    oldest, middle, newest = _three_assistants(c, h)
    first = _ok(c.get("/v1/assistants?limit=1", headers=h))
    second = _ok(c.get(f"/v1/assistants?limit=1&after={first['last_id']}", headers=h))
    assert [o["id"] for o in first["data"]] == [newest]
    assert [o["id"] for o in second["data"]] == ([newest] if faulty else [middle])


def _limit_ignored(c: TestClient, h: dict, faulty: bool) -> None:
    ids = _three_assistants(c, h)
    page = _ok(c.get("/v1/assistants?limit=1", headers=h))
    assert [o["id"] for o in page["data"]] == (ids[::-1] if faulty else ids[-1:])


def _order_ignored(c: TestClient, h: dict, faulty: bool) -> None:
    ids = _three_assistants(c, h)
    page = _ok(c.get("/v1/assistants?order=asc", headers=h))
    assert [o["id"] for o in page["data"]] == (ids[::-1] if faulty else ids)


def _first_last_swapped(c: TestClient, h: dict, faulty: bool) -> None:
    _three_assistants(c, h)
    page = _ok(c.get("/v1/assistants", headers=h))
    ends = (page["data"][0]["id"], page["data"][-1]["id"])
    assert (page["first_id"], page["last_id"]) == (ends[::-1] if faulty else ends)


def _runs_stay_queued(c: TestClient, h: dict, faulty: bool) -> None:
    run = _run(c, h)
    assert _poll(c, h, run) == (["queued"] * 4 if faulty else ["in_progress", "completed"])
    _, events = _streamed_run(c, h)
    names = [name for name, _ in events]
    if faulty:
        assert names == ["thread.run.created", "done"]
    else:
        assert names[0] == "thread.run.created" and "thread.run.completed" in names


def _tool_outputs_any_id(c: TestClient, h: dict, faulty: bool) -> None:
    run = _run(c, h, tools=[WEATHER_TOOL])
    assert _poll(c, h, run) == ["in_progress", "requires_action"]
    outputs = {"tool_outputs": [{"tool_call_id": "call_not_asked_for", "output": "sunny"}]}
    submitted = c.post(f"/v1/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs", headers=h, json=outputs)
    if faulty:
        assert submitted.status_code == 200
        assert _poll(c, h, run)[-1] == "completed"
        reply = _ok(c.get(f"/v1/threads/{run['thread_id']}/messages?run_id={run['id']}", headers=h))["data"][0]
        assert "sunny" in reply["content"][0]["text"]["value"]
    else:
        assert submitted.status_code == 400 and submitted.json()["error"]["param"] == "tool_outputs"
        assert _get_run(c, h, run)["status"] == "requires_action"


def _cancel_ignored(c: TestClient, h: dict, faulty: bool) -> None:
    run = _run(c, h)
    cancelled = _ok(c.post(f"/v1/threads/{run['thread_id']}/runs/{run['id']}/cancel", headers=h))
    if faulty:
        assert cancelled["status"] == "queued"
        assert _poll(c, h, run) == ["in_progress", "completed"]
    else:
        assert cancelled["status"] == "cancelling"
        assert _poll(c, h, run) == ["cancelled"]


def _no_thread_lock(c: TestClient, h: dict, faulty: bool) -> None:
    run = _run(c, h)  # queued: the thread is busy
    thread = run["thread_id"]
    message = c.post(f"/v1/threads/{thread}/messages", headers=h, json={"role": "user", "content": "more"})
    second = c.post(f"/v1/threads/{thread}/runs", headers=h, json={"assistant_id": run["assistant_id"]})
    assert (message.status_code, second.status_code) == ((200, 200) if faulty else (400, 400))


def _delete_keeps(c: TestClient, h: dict, faulty: bool) -> None:
    assistant, thread = _assistant(c, h), _thread(c, h)
    for path in (f"/v1/assistants/{assistant['id']}", f"/v1/threads/{thread['id']}"):
        assert _ok(c.delete(path, headers=h))["deleted"] is True
        assert c.get(path, headers=h).status_code == (200 if faulty else 404)
    assert c.delete("/v1/threads/thread_nothing", headers=h).status_code == 404


def _stream_no_done(c: TestClient, h: dict, faulty: bool) -> None:
    _, events = _streamed_run(c, h)
    names = [name for name, _ in events]
    assert ("done" in names) is (not faulty)
    assert names[-1] == ("thread.run.completed" if faulty else "done")


def _stream_out_of_order(c: TestClient, h: dict, faulty: bool) -> None:
    _, events = _streamed_run(c, h)
    names = [name for name, _ in events]
    assert (names.index("thread.run.completed") < names.index("thread.message.created")) is faulty
    assert names.count("thread.run.completed") == 1 and names[-1] == "done"  # moved, not added or dropped


def _stream_misnamed_event(c: TestClient, h: dict, faulty: bool) -> None:
    _, events = _streamed_run(c, h)
    names = {name for name, _ in events}
    assert ("thread.run.complete" in names, "thread.run.completed" in names) == (faulty, not faulty)


def _stream_broken_json(c: TestClient, h: dict, faulty: bool) -> None:
    _, events = _streamed_run(c, h)
    broken = [name for name, data in events if name != "done" and not _parses(data)]
    assert broken == (["thread.run.created"] if faulty else [])


def _stream_text_mismatch(c: TestClient, h: dict, faulty: bool) -> None:
    thread, events = _streamed_run(c, h)
    streamed = json.loads(next(data for name, data in events if name == "thread.message.completed"))
    stored = _ok(c.get(f"/v1/threads/{thread['id']}/messages/{streamed['id']}", headers=h))
    texts = (streamed["content"][0]["text"]["value"], stored["content"][0]["text"]["value"])
    assert texts[1] == "You said: tell me something"
    assert (texts[0] != texts[1]) is faulty


def _accept_invalid_body(c: TestClient, h: dict, faulty: bool) -> None:
    bad = c.post("/v1/assistants", headers=h, json={"model": "gpt-4o", "color": "red", "description": 5})
    if faulty:
        served = _ok(bad)
        assert (served["model"], served["description"]) == ("gpt-4o", None) and "color" not in served
    else:
        assert bad.status_code == 400
    # Without its required model there is nothing to serve: refused either way.
    assert c.post("/v1/assistants", headers=h, json={"name": "no model"}).status_code == 400


def _accept_missing_beta(c: TestClient, h: dict, faulty: bool) -> None:
    no_beta = {"Authorization": f"Bearer {API_KEY}"}
    created = c.post("/v1/assistants", headers=no_beta, json={"model": "gpt-4o"})
    if faulty:
        assert "tool_resources" in _ok(created) and "file_ids" not in created.json()  # the default version, v2
    else:
        assert created.status_code == 400 and created.json()["error"]["code"] == "invalid_beta"


def _accept_missing_key(c: TestClient, h: dict, faulty: bool) -> None:
    no_key = {"OpenAI-Beta": h["OpenAI-Beta"]}
    listed = c.get("/v1/assistants", headers=no_key)
    assert listed.status_code == (200 if faulty else 401)


def _accept_any_limit(c: TestClient, h: dict, faulty: bool) -> None:
    ids = _three_assistants(c, h)
    big, zero = c.get("/v1/assistants?limit=500", headers=h), c.get("/v1/assistants?limit=0", headers=h)
    if faulty:
        assert [o["id"] for o in _ok(big)["data"]] == ids[::-1]
        assert _ok(zero)["data"] == []
    else:
        assert (big.status_code, zero.status_code) == (400, 400)
    assert c.get("/v1/assistants?limit=many", headers=h).status_code == 400


SCENARIOS: dict[str, Callable[[TestClient, dict, bool], None]] = {
    "assistant-no-model": _assistant_no_model,
    "run-created-at-string": _run_created_at_string,
    "run-status-running": _run_status_running,
    "thread-metadata-null": _thread_metadata_null,
    "message-object-name": _message_object_name,
    "assistant-id-prefix": _assistant_id_prefix,
    "create-201": _create_201,
    "json-as-text-plain": _json_as_text_plain,
    "unknown-id-500": _unknown_id_500,
    "delete-204": _delete_204,
    "error-unwrapped": _error_unwrapped,
    "error-no-param-code": _error_no_param_code,
    "has-more-false": _has_more_false,
    "after-ignored": _after_ignored,
    "limit-ignored": _limit_ignored,
    "order-ignored": _order_ignored,
    "first-last-swapped": _first_last_swapped,
    "runs-stay-queued": _runs_stay_queued,
    "tool-outputs-any-id": _tool_outputs_any_id,
    "cancel-ignored": _cancel_ignored,
    "no-thread-lock": _no_thread_lock,
    "delete-keeps": _delete_keeps,
    "stream-no-done": _stream_no_done,
    "stream-out-of-order": _stream_out_of_order,
    "stream-misnamed-event": _stream_misnamed_event,
    "stream-broken-json": _stream_broken_json,
    "stream-text-mismatch": _stream_text_mismatch,
    "accept-invalid-body": _accept_invalid_body,
    "accept-missing-beta": _accept_missing_beta,
    "accept-missing-key": _accept_missing_key,
    "accept-any-limit": _accept_any_limit,
}
# Faults whose answers break the contract itself, so that the server's self-check (the checking core) flags
# them. The others are wrong in meaning only (an ignored cursor, a run that never ends), which only a suite
# that drives the API can see. Two of those may look like contract breaks but are not: the contract documents
# 500 for every operation, and its `Metadata` is nullable wherever it is used.
SEEN_BY_THE_CORE = {
    "assistant-no-model",
    "run-created-at-string",
    "run-status-running",
    "message-object-name",
    "create-201",
    "json-as-text-plain",
    "delete-204",
    "error-unwrapped",
    "error-no-param-code",
    "stream-no-done",
    "stream-misnamed-event",
    "stream-broken-json",
}


def test_every_fault_has_a_scenario():
    assert set(SCENARIOS) == set(FAULTS)


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("name", list(FAULTS))
def test_the_fault_shows_and_the_correct_server_does_not(name: str, version: str, client_for):
    scenario, headers = SCENARIOS[name], HEADERS[version]

    faulty = client_for((name,))
    scenario(faulty, headers, True)
    flagged = {v.code for v in faulty.app.state.violations}
    assert bool(flagged) is (name in SEEN_BY_THE_CORE), flagged

    correct = client_for()
    scenario(correct, headers, False)
    assert correct.app.state.violations == []


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_scenario_tells_the_two_servers_apart(name: str, client_for):
    """A scenario expecting the fault fails on the correct server, and the other way round."""
    scenario = SCENARIOS[name]
    with pytest.raises(AssertionError):
        scenario(client_for(), V2, True)
    with pytest.raises(AssertionError):
        scenario(client_for((name,)), V2, False)


# --- the catalog -----------------------------------------------------------------------------------------------


def test_the_catalog_is_big_enough_and_names_are_unique():
    assert len(FAULTS) >= 28
    assert all(key == fault.name for key, fault in FAULTS.items())
    assert len({fault.name for fault in FAULTS.values()}) == len(FAULTS)


def test_every_kind_is_represented_and_every_fault_has_one():
    assert {fault.kind for fault in FAULTS.values()} == set(KINDS)


def test_every_fault_has_a_summary_and_some_hook():
    for fault in FAULTS.values():
        assert fault.summary.endswith(".") and "\n" not in fault.summary, fault.name
        hooks = (fault.admit, fault.serve, fault.respond, fault.stream)
        assert any(hooks) or fault.store_flags, fault.name


def test_operations_are_real_operation_ids(server_contract: Contract):
    known = {op for document in server_contract.documents.values() for op in document.operations}
    for fault in FAULTS.values():
        assert fault.operations, fault.name
        assert set(fault.operations) <= known, (fault.name, set(fault.operations) - known)


def test_store_flags_are_real_store_flags():
    for fault in FAULTS.values():
        for flag in fault.store_flags:
            assert not getattr(Store(**{flag: False}), f"_{flag}"), (fault.name, flag)


def test_an_unknown_name_is_refused_with_the_valid_ones(server_contract: Contract):
    with pytest.raises(ValueError, match="unknown fault 'nope'") as raised:
        create_app(contract=server_contract, faults=["create-201", "nope"])
    assert all(name in str(raised.value) for name in FAULTS)
    with pytest.raises(ValueError, match="valid faults: "):
        resolve_faults(["Create-201"])


def test_a_fault_that_needs_its_own_store_refuses_a_given_one(server_contract: Contract):
    with pytest.raises(ValueError, match="no-thread-lock"):
        create_app(contract=server_contract, store=Store(), faults=["no-thread-lock"])
    create_app(contract=server_contract, store=Store(), faults=["create-201"])  # needs none: fine


def test_faults_combine(client_for):
    c = client_for(("json-as-text-plain", "create-201", "assistant-no-model"))
    created = c.post("/v1/assistants", headers=V2, json={"model": "gpt-4o"})
    assert created.status_code == 201
    assert created.headers["content-type"].startswith("text/plain")
    assert "model" not in created.json()


def test_a_missing_key_is_let_through_even_when_keys_are_named(server_contract: Contract):
    app = create_app(contract=server_contract, api_keys=["sk-the-one"], faults=["accept-missing-key"])
    with TestClient(app) as c:
        assert c.get("/v1/assistants", headers={"OpenAI-Beta": "assistants=v2"}).status_code == 200
        wrong = c.get("/v1/assistants", headers=V2)  # a key, but not the one
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"


def test_mock_mode_takes_faults_too(server_contract: Contract):
    # strict: a lenient mock answers the bad request below instead of refusing it
    app = create_app("mock", contract=server_contract, faults=["create-201", "error-unwrapped"], strict=True)
    with TestClient(app) as c:
        assert c.post("/v1/threads", headers=V2, json={}).status_code == 201
        assert set(c.post("/v1/threads", headers=V2, json={"color": 1}).json()) == {"message"}


# --- the command line ------------------------------------------------------------------------------------------


def test_serve_lists_the_faults():
    result = CliRunner().invoke(cli, ["serve", "--list-faults"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(FAULTS)
    for line, fault in zip(lines, FAULTS.values(), strict=True):
        assert line.split()[:2] == [fault.name, fault.kind] and fault.summary in line


def test_serve_refuses_an_unknown_fault():
    result = CliRunner().invoke(cli, ["serve", "--fault", "create-201", "--fault", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output and "create-201" in result.output and "stream-no-done" in result.output
