"""`verify --cassette`: the bundled cassettes sent again to a server, each answer judged by the core and against
the recorded one. The command runs in-process (click's runner), against servers on loopback that only take
`API_KEY`, so that the recorded 401s come again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assistants_contract import Exchange, Headers, Request, Response
from assistants_contract.cli import cli
from assistants_contract.conformance import IdMap
from assistants_contract.conformance.cassettes import (
    outgoing_headers,
    shape_differences,
    stream_differences,
)
from assistants_contract.contract.sse import SSEEvent
from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread
from assistants_contract.sources import find_files, read_exchanges

from .conftest import API_KEY

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


class Run:
    def __init__(self, exit_code: int, stdout: str, stderr: str, report: dict[str, Any]) -> None:
        self.exit_code, self.stdout, self.stderr, self.report = exit_code, stdout, stderr, report

    def tally(self, check: str) -> tuple[int, int]:
        """(passed, failed) of one check over every operation."""
        rows = [c for c in self.report["checks"] if c["check"] == check]
        return sum(c["passed"] for c in rows), sum(c["failed"] for c in rows)


@pytest.fixture
def verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    monkeypatch.chdir(CASSETTES.parent)  # so that cassettes are named as a user names them: cassettes/v2/...
    counter = iter(range(100))

    def run(url: str, *args: str) -> Run:
        report = tmp_path / f"report-{next(counter)}.json"
        command = ["verify", "--url", url, "--api-key", API_KEY, "--json", str(report), *args]
        result = CliRunner().invoke(cli, command, catch_exceptions=False)
        loaded = json.loads(report.read_text()) if report.exists() else {}
        return Run(result.exit_code, result.stdout, result.stderr, loaded)

    return run


@pytest.fixture(scope="module")
def reference(contract) -> Iterator[str]:
    """One reference server for the module's clean runs: v1 and v2 replay on it one after the other."""
    with serve_in_thread(create_app("stateful", contract=contract, api_keys=[API_KEY])) as root:
        yield root + "/v1"


def _recorded(folder: str) -> list[Exchange]:
    return [e for path in find_files([CASSETTES / folder]) for e in read_exchanges(path)]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_bundled_cassettes_replay_cleanly_against_the_reference_server(reference, verify, version):
    recorded = _recorded(version)
    streams = sum(1 for e in recorded if e.response.headers.media_type() == "text/event-stream")
    assert len(recorded) > 60 and streams >= 4

    run = verify(reference, "--cassette", f"cassettes/{version}")

    assert run.exit_code == 0, run.stdout[-4000:] + run.stderr
    assert run.report["failures"] == []
    # Every interaction was sent and judged: by the core, by status, by shape; every stream by its events.
    assert run.report["run"]["cases"] == run.report["exchanges"] == len(recorded)
    assert run.tally("assistants_contract") == (len(recorded), 0)
    assert run.tally("cassette.status") == (len(recorded), 0)
    assert run.tally("cassette.shape") == (len(recorded), 0)
    assert run.tally("cassette.stream") == (streams, 0)
    # Only the cassettes' version is tested, and each of its operations got a verdict from them.
    assert list(run.report["verdicts"]) == [version]
    assert set(run.report["verdicts"][version].values()) == {"pass"}
    assert run.report["run"]["stages"] == ["cassettes"] and run.report["run"]["cassettes"] == [f"cassettes/{version}"]
    # The requests recorded without a key and with a wrong one got their 401s (and the one without a beta header
    # its 400: cassette.status passed for every interaction).
    assert run.report["coverage"][version]["operations"]["listAssistants"]["statuses"]["401"] == 2
    assert run.stdout.rstrip().endswith(": ok")


@pytest.mark.parametrize(
    ("fault", "operation", "check", "interaction", "says"),
    [
        (
            "create-201",
            "createAssistant",
            "cassette.status",
            "cassettes/v2/assistants.yaml #0",
            "recorded status 200, got 201",
        ),
        (
            "assistant-no-model",
            "getAssistant",
            "cassette.shape",
            "cassettes/v2/assistants.yaml #3",
            "/: no model (recorded)",
        ),
        (
            "stream-no-done",
            "createRun",
            "cassette.stream",
            "cassettes/v2/streaming.yaml #2",
            "event 14: recorded done, got (the end of the stream)",
        ),
    ],
)
def test_a_server_with_a_fault_fails_naming_the_interaction(
    contract, verify, fault, operation, check, interaction, says
):
    with serve_in_thread(create_app("stateful", contract=contract, faults=[fault], api_keys=[API_KEY])) as root:
        run = verify(root + "/v1", "--cassette", "cassettes/v2")
    assert run.exit_code == 1, run.stdout[-3000:] + run.stderr
    [failure] = [
        f for f in run.report["failures"] if f["check"] == check and f["message"].startswith(interaction + ":")
    ]
    assert failure["operation_id"] == operation and says in failure["message"]
    assert failure["reproduction"].startswith("curl -X ") and "Bearer sk-REDACTED" in failure["reproduction"]
    assert run.report["verdicts"]["v2"][operation] == "fail"
    # The text report says the same, with the request to paste.
    assert f"[v2 {operation}] {check}" in run.stdout and f"{interaction}: " in run.stdout and says in run.stdout
    assert "reproduce with:" in run.stdout and API_KEY not in run.stdout + json.dumps(run.report)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--cassette", "no/such/folder"], "no/such/folder: no such file or folder"),
        (["--cassette", "{empty}"], "no cassette with interactions under"),
        (["--cassette", "{garbage}"], "not a vcrpy cassette"),
        (["--cassette", "cassettes/v2", "--api-version", "v1"], "none of the 8 cassettes is of v1"),
        (["--phases", "cassettes"], "the cassettes stage needs cassettes"),
        (["--cassette", "cassettes/v2", "--phases", "scenarios"], "leave out cassettes"),
    ],
)
def test_what_cannot_run_is_exit_2_in_one_line(reference, verify, tmp_path, args, says):
    (tmp_path / "empty").mkdir()
    (tmp_path / "garbage.yaml").write_text("interactions: [this is not]\n")
    args = [a.format(empty=tmp_path / "empty", garbage=tmp_path / "garbage.yaml") for a in args]
    run = verify(reference, *args)
    assert run.exit_code == 2 and says in run.stderr and run.stderr.strip().count("\n") == 0, run.stderr


def test_an_unreachable_server_is_exit_2(verify):
    run = verify("http://127.0.0.1:9/v1", "--cassette", "cassettes/v2/errors.yaml")
    assert run.exit_code == 2 and "cannot reach http://127.0.0.1:9/v1" in run.stderr


# --- the id mapping, without a server -----------------------------------------------------------------------


def test_ids_learned_from_answers_are_sent_in_paths_cursors_and_bodies():
    ids = IdMap()
    ids.learn({"id": "asst_REC", "object": "assistant"}, {"id": "asst_LIVE", "object": "assistant"})
    ids.learn(
        {
            "id": "run_REC",
            "thread_id": "thread_REC",
            "required_action": {"submit_tool_outputs": {"tool_calls": [{"id": "call_REC"}]}},
        },
        {
            "id": "run_LIVE",
            "thread_id": "thread_LIVE",
            "required_action": {"submit_tool_outputs": {"tool_calls": [{"id": "call_LIVE"}]}},
        },
    )
    ids.learn({"data": [{"id": "msg_REC1"}, {"id": "msg_REC2"}]}, {"data": [{"id": "msg_LIVE1"}, {"id": "msg_LIVE2"}]})

    path = ids.path_and_query("https://api.openai.com/v1/threads/thread_REC/runs/run_REC/submit_tool_outputs")
    assert path == "/threads/thread_LIVE/runs/run_LIVE/submit_tool_outputs"
    query = ids.path_and_query(
        "https://api.openai.com/v1/threads/thread_REC/messages?limit=2&after=msg_REC2&run_id=run_REC"
    )
    assert query == "/threads/thread_LIVE/messages?limit=2&after=msg_LIVE2&run_id=run_LIVE"
    body = json.loads(ids.body(b'{"assistant_id":"asst_REC","stream":true,"instructions":"asst_REC is me"}'))
    assert body == {"assistant_id": "asst_LIVE", "stream": True, "instructions": "asst_REC is me"}
    outputs = json.loads(ids.body(b'{"tool_outputs":[{"tool_call_id":"call_REC","output":"18 C"}]}'))
    assert outputs == {"tool_outputs": [{"tool_call_id": "call_LIVE", "output": "18 C"}]}
    # An id nobody answered with (the client named it, or it names nothing on purpose) goes as recorded.
    assert (
        ids.path_and_query("https://api.openai.com/v1/assistants/asst_doesNotExist0")
        == "/assistants/asst_doesNotExist0"
    )
    assert ids.body(b'{"file_id": "file-abc123"}') == b'{"file_id": "file-abc123"}'


def test_ids_are_learned_from_streams_pairing_events_by_name_and_occurrence():
    def stream(*events: tuple[str, dict[str, Any] | str]) -> list[SSEEvent]:
        return [SSEEvent(name, data if isinstance(data, str) else json.dumps(data)) for name, data in events]

    recorded = stream(
        ("thread.run.created", {"id": "run_REC"}),
        ("thread.run.step.created", {"id": "step_REC"}),
        ("thread.run.requires_action", {"id": "run_REC", "required_action": {"tool_calls": [{"id": "call_REC"}]}}),
        ("done", "[DONE]"),
    )
    live = stream(
        ("thread.run.created", {"id": "run_LIVE"}),
        ("thread.run.requires_action", {"id": "run_LIVE", "required_action": {"tool_calls": [{"id": "call_LIVE"}]}}),
        ("done", "[DONE]"),
    )
    ids = IdMap()
    assert ids.learn_events(recorded, live) == []
    assert ids.ids == {"run_REC": "run_LIVE", "call_REC": "call_LIVE"}
    assert stream_differences(recorded, live) == [
        "event 1: recorded thread.run.step.created, got thread.run.requires_action (recorded 4 events, got 3)"
    ]


def test_an_id_already_learned_must_come_back_in_its_place():
    ids = IdMap()
    ids.learn({"id": "msg_A"}, {"id": "msg_1"})
    ids.learn({"id": "msg_B"}, {"id": "msg_2"})
    assert ids.learn({"data": [{"id": "msg_A"}, {"id": "msg_B"}]}, {"data": [{"id": "msg_1"}, {"id": "msg_2"}]}) == []
    [swapped, _] = ids.learn({"data": [{"id": "msg_A"}, {"id": "msg_B"}]}, {"data": [{"id": "msg_2"}, {"id": "msg_1"}]})
    assert swapped.startswith("/data/0/id: expected msg_1 (recorded msg_A), got msg_2")
    assert ids.ids == {"msg_A": "msg_1", "msg_B": "msg_2"}  # the first pairing stays


def test_shapes_compare_object_keys_and_list_lengths_not_values():
    recorded = {
        "object": "list",
        "data": [{"id": "msg_A", "object": "thread.message", "created_at": 1}],
        "has_more": False,
    }
    same = {"object": "list", "data": [{"id": "msg_Z", "object": "thread.message", "created_at": 9}], "has_more": True}
    assert shape_differences(recorded, same) == []
    other = {
        "object": "list",
        "data": [{"id": "msg_Z", "object": "message"}, {"id": "msg_Y", "object": "thread.message"}],
    }
    assert shape_differences(recorded, other) == [
        "/: no has_more (recorded)",
        "/data: recorded 1 items, got 2",
        "/data/0/object: recorded 'thread.message', got 'message'",
        "/data/0: no created_at (recorded)",
    ]
    assert shape_differences({"metadata": {}}, {"metadata": None}) == ["/metadata: recorded an object, got null"]


def _recorded_request(headers: dict[str, str], status: int) -> Exchange:
    request = Request("GET", "https://api.openai.com/v1/assistants", Headers(headers))
    return Exchange(request, Response(status))


@pytest.mark.parametrize(
    ("headers", "status", "sent"),
    [
        ({"Authorization": "Bearer sk-REDACTED", "OpenAI-Beta": "assistants=v2"}, 200, "Bearer sk-mine"),
        ({"Authorization": "Bearer sk-REDACTED", "OpenAI-Beta": "assistants=v2"}, 401, "Bearer sk-wrong"),
        ({"OpenAI-Beta": "assistants=v2"}, 401, None),
        ({"Authorization": "Bearer sk-REDACTED"}, 400, "Bearer sk-mine"),
    ],
)
def test_the_key_goes_where_one_was_recorded_and_the_beta_header_as_recorded(headers, status, sent):
    recorded = _recorded_request({**headers, "Host": "api.openai.com", "Content-Length": "0"}, status)
    out = outgoing_headers(recorded, "sk-mine", "sk-wrong")
    assert out.get("authorization") == sent
    assert out.get("openai-beta") == headers.get("OpenAI-Beta")
    assert "host" not in out and "content-length" not in out
