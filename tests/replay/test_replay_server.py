"""The replay server: cassettes recorded here from real requests to the reference server, then played back to
httpx, to the official SDK (client venv) and through the `assistants-contract replay` command.

The recordings are made by an ASGI wrapper around the reference server that keeps each request and its whole
answer, written with the project's own cassette writer (redacted, origin https://api.openai.com), as the proxy
writes them. The reference server is gone by the time anything is replayed: only the cassette answers.
"""

from __future__ import annotations

import contextlib
import json
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from server.support import API_KEY, ClientVenv, run_client

from assistants_contract import Contract, Exchange, Headers, Request, Response
from assistants_contract.cli import cli
from assistants_contract.record.cassette import CassetteFile, interaction
from assistants_contract.record.redact import Redactor
from assistants_contract.replay.app import create_replay_app
from assistants_contract.replay.session import ReplaySession, split_events
from assistants_contract.report.files import write_reports
from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

CLI = Path(sys.executable).parent / "assistants-contract"
SECRET = "sk-proj-" + secrets.token_urlsafe(24)  # made at run time; must never reach a log, a header or a file
V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": f"Bearer {API_KEY}"}
TERMINAL = {"completed", "failed", "cancelled", "expired", "incomplete", "requires_action"}


# --- recording: the reference server, every exchange kept ------------------------------------------------------


class RecordingApp:
    """ASGI wrapper: each request to the app and its whole answer, as an `Exchange` (the probe of
    `serve_in_thread` left out)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.exchanges: list[Exchange] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == "/_ready":
            await self.app(scope, receive, send)
            return
        sent = bytearray()
        answer: dict[str, Any] = {"body": bytearray()}

        async def receiving() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                sent.extend(message.get("body", b""))
            return message

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], _decoded(message["headers"])
            elif message["type"] == "http.response.body":
                answer["body"].extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receiving, sending)
        query = scope["query_string"].decode("latin-1")
        url = "http://127.0.0.1" + scope["raw_path"].decode("latin-1") + (f"?{query}" if query else "")
        request = Request(scope["method"], url, Headers(_decoded(scope["headers"])), bytes(sent) or None)
        response = Response(answer["status"], Headers(answer["headers"]), bytes(answer["body"]))
        self.exchanges.append(Exchange(request, response))


def _decoded(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]


def write_cassette(path: Path, exchanges: list[Exchange]) -> Path:
    """As the proxy records: redacted, with the real API's origin."""
    cassette = CassetteFile(path)
    for exchange in exchanges:
        cassette.add(interaction(Redactor().exchange(exchange), origin="https://api.openai.com"))
    cassette.close()
    assert cassette.count == len(exchanges)
    return path


@dataclass
class Recorded:
    cassette: Path
    assistant: dict
    thread_id: str
    run_id: str
    polled: list[str]  # the statuses getRun answered, in order
    stream: bytes  # the recorded body of the streamed run
    interactions: int


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, contract: Contract) -> Recorded:
    recorder = RecordingApp(create_app(contract=contract))
    with serve_in_thread(recorder) as root, httpx.Client(base_url=root + "/v1", headers=V2, timeout=10) as http:
        assistant = http.post("/assistants", json={"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}})
        assistant = assistant.json()
        thread_id = http.post("/threads", json={}).json()["id"]
        http.post(f"/threads/{thread_id}/messages", json={"role": "user", "content": "Hello there"})
        refused = http.post(f"/threads/{thread_id}/messages", json={"role": "user", "content": "x", "file_ids": []})
        assert refused.status_code == 400  # a v1 argument on v2: recorded as the server refused it
        streamed = http.post(f"/threads/{thread_id}/runs", json={"assistant_id": assistant["id"], "stream": True})
        assert streamed.headers["content-type"].startswith("text/event-stream")
        run_id = http.post(f"/threads/{thread_id}/runs", json={"assistant_id": assistant["id"]}).json()["id"]
        polled: list[str] = []
        while not polled or polled[-1] not in TERMINAL:
            polled.append(http.get(f"/threads/{thread_id}/runs/{run_id}").json()["status"])
            assert len(polled) < 10
        http.get(f"/threads/{thread_id}/messages")
    assert len(polled) >= 2 and len(set(polled)) >= 2, polled  # a sequence to replay in order
    cassette = write_cassette(tmp_path_factory.mktemp("recorded") / "session.yaml", recorder.exchanges)
    return Recorded(
        cassette, assistant, thread_id, run_id, polled, streamed.content, interactions=len(recorder.exchanges)
    )


# --- replaying ---------------------------------------------------------------------------------------------


class Mount:
    """One server for the module's tests, each test mounting its own app (a fresh replay session) on it. It answers
    `serve_in_thread`'s readiness probe itself, so the probe is no request of a session under test. `make` builds
    the app on the first request after it is set, for an app that must wait until its cassette is written."""

    def __init__(self) -> None:
        self.app: Any = None
        self.make: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_ready":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        if self.make is not None:
            self.app, self.make = self.make(), None
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def mount() -> Iterator[tuple[str, Mount]]:
    mounted = Mount()
    with serve_in_thread(mounted) as root:
        yield root, mounted


@dataclass
class Replay:
    http: httpx.Client
    session: ReplaySession
    lines: list[str] = field(default_factory=list)


@pytest.fixture
def replaying(mount: tuple[str, Mount], contract: Contract) -> Callable[..., contextlib.AbstractContextManager[Replay]]:
    """`with replaying(cassette, strict=...) as replay:` a fresh session for the cassettes, on the module's server."""
    root, mounted = mount

    @contextlib.contextmanager
    def start(*paths: Path, **options: Any) -> Iterator[Replay]:
        lines: list[str] = []
        mounted.make = None
        mounted.app = create_replay_app(*paths, contract=contract, log=lines.append, **options)
        with httpx.Client(base_url=root + "/v1", timeout=10) as http:
            yield Replay(http, mounted.app.state.replay, lines)

    return start


def test_recorded_answers_come_back_and_json_key_order_does_not_matter(recorded: Recorded, replaying):
    with replaying(recorded.cassette) as replay:
        # The SDK-style compact body was recorded; this one has other key order and whitespace, same JSON.
        body = json.dumps({"metadata": {"a": "1"}, "name": "replayed", "model": "gpt-4o"}, indent=3)
        got = replay.http.post("/assistants", content=body, headers={**V2, "content-type": "application/json"})
        assert got.status_code == 200
        assert got.json() == recorded.assistant
        assert got.headers["x-assistants-contract"] == "ok"
        assert got.headers["x-assistants-contract-replay"] == f"{recorded.cassette} #0"
        assert replay.session.summary().replay.played == 1
    assert replay.lines == [f"POST /v1/assistants [createAssistant] 200 <- {recorded.cassette} #0; contract ok"]


def test_identical_requests_get_the_recorded_sequence_then_a_read_repeats_its_last(recorded: Recorded, replaying):
    run = f"/threads/{recorded.thread_id}/runs/{recorded.run_id}"
    with replaying(recorded.cassette) as replay:
        seen = [replay.http.get(run, headers=V2) for _ in recorded.polled]
        assert [r.json()["status"] for r in seen] == recorded.polled  # queued/in_progress before completed
        wheres = [r.headers["x-assistants-contract-replay"] for r in seen]
        assert len(set(wheres)) == len(recorded.polled)  # each from its own interaction, in recorded order
        assert wheres == sorted(wheres, key=lambda w: int(w.rsplit("#", 1)[1]))
        again = replay.http.get(run, headers=V2)
        assert again.status_code == 200 and again.json()["status"] == recorded.polled[-1]
        assert again.headers["x-assistants-contract-replay"] == wheres[-1] + " (repeated)"
        tally = replay.session.summary().replay
    assert (tally.played, tally.repeated, tally.misses) == (len(recorded.polled), 1, [])


def test_a_write_sent_more_often_than_recorded_gets_a_404_naming_its_recording(recorded: Recorded, replaying):
    body = {"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}}
    with replaying(recorded.cassette) as replay:
        assert replay.http.post("/assistants", json=body, headers=V2).status_code == 200
        second = replay.http.post("/assistants", json=body, headers=V2)
        assert second.status_code == 404
        error = second.json()["error"]
        assert (error["type"], error["code"]) == ("invalid_request_error", "recorded_interactions_used_up")
        assert f"POST /v1/assistants was recorded once ({recorded.cassette} #0)" in error["message"]
        assert replay.session.summary().failed


def test_unmatched_request_names_the_closest_recording_and_what_differs(recorded: Recorded, replaying):
    with replaying(recorded.cassette) as replay:
        got = replay.http.post(
            "/assistants", json={"model": "gpt-4", "name": "replayed", "metadata": {"a": "1"}}, headers=V2
        )
        assert got.status_code == 404
        assert got.headers["x-assistants-contract"] == "ok"  # the request keeps the contract; it is just not recorded
        error = got.json()["error"]
        assert (error["type"], error["code"], error["param"]) == (
            "invalid_request_error",
            "no_recorded_interaction",
            None,
        )
        assert f"Closest: POST /v1/assistants ({recorded.cassette} #0)" in error["message"]
        assert 'body /model: recorded "gpt-4o", sent "gpt-4"' in error["message"]
        wrong_query = replay.http.get(f"/threads/{recorded.thread_id}/messages?limit=3", headers=V2)
        assert wrong_query.status_code == 404
        assert "query: recorded (none), sent limit=3" in wrong_query.json()["error"]["message"]
        # A miss consumes nothing: the recorded request still gets its answer.
        body = {"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}}
        assert replay.http.post("/assistants", json=body, headers=V2).json() == recorded.assistant
        summary = replay.session.summary()
    assert [(m.method, m.url, m.code) for m in summary.replay.misses] == [
        ("POST", "/v1/assistants", "no_recorded_interaction"),
        ("GET", f"/v1/threads/{recorded.thread_id}/messages?limit=3", "no_recorded_interaction"),
    ]
    assert summary.failed and summary.errors == 0
    assert len(summary.replay.unused) == recorded.interactions - 1
    assert summary.replay.unused[0].index == 1 and summary.replay.unused[0].url.endswith("/v1/threads")


def test_verdict_header_names_the_violations_and_strict_answers_400_instead(recorded: Recorded, replaying):
    messages = f"/threads/{recorded.thread_id}/messages"
    v1_argument = {"role": "user", "content": "x", "file_ids": []}
    body = {"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}}
    no_beta = {"Authorization": V2["Authorization"]}
    with replaying(recorded.cassette) as replay:
        got = replay.http.post(messages, json=v1_argument, headers=V2)
        assert got.status_code == 400  # the recording: the reference server refused it
        assert got.headers["x-assistants-contract"] == "violations=1 request.body.unknown_property@/file_ids"
        lax = replay.http.post("/assistants", json=body, headers=no_beta)
        assert lax.status_code == 200  # matching ignores headers: the recording answers
        assert lax.headers["x-assistants-contract"] == "violations=1 request.header.missing@/openai-beta"
        assert replay.session.summary().errors == 2
    with replaying(recorded.cassette, strict=True) as replay:
        refused = replay.http.post("/assistants", json=body, headers=no_beta)
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert (error["type"], error["code"], error["param"]) == (
            "invalid_request_error",
            "contract_violation",
            "openai-beta",
        )
        assert "request.header.missing" in error["message"]
        # The recording was not played: a conforming request still gets it.
        assert replay.http.post("/assistants", json=body, headers=V2).json() == recorded.assistant
        tally = replay.session.summary().replay
    assert (tally.refused, tally.played) == (1, 1)
    assert "400 REFUSED (--strict); contract violations=1 request.header.missing@/openai-beta" in replay.lines[0]


def test_event_stream_is_sent_event_by_event(recorded: Recorded, replaying):
    events = split_events(recorded.stream)
    assert len(events) > 5 and b"".join(events) == recorded.stream
    with replaying(recorded.cassette) as replay:
        runs = f"/threads/{recorded.thread_id}/runs"
        body = {"assistant_id": recorded.assistant["id"], "stream": True}
        with replay.http.stream("POST", runs, json=body, headers=V2) as got:
            assert got.headers["content-type"].startswith("text/event-stream")
            assert "content-length" not in got.headers and got.headers["transfer-encoding"] == "chunked"
            chunks = [chunk for chunk in got.iter_raw() if chunk]
    assert b"".join(chunks) == recorded.stream
    # Every event ends a chunk of its own: a body sent in one piece would have its boundaries anywhere.
    chunk_ends, offset = set(), 0
    for chunk in chunks:
        offset += len(chunk)
        chunk_ends.add(offset)
    event_ends = {sum(len(e) for e in events[: i + 1]) for i in range(len(events))}
    assert event_ends <= chunk_ends, (len(events), len(chunks))


def test_split_events_keeps_each_blank_line_and_a_cut_tail() -> None:
    body = b"event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\ndata: [DONE]\n\nevent: cut"
    assert split_events(body) == [
        b"event: a\ndata: 1\n\n",
        b"event: b\r\ndata: 2\r\n\r\n",
        b"data: [DONE]\n\n",
        b"event: cut",
    ]


def test_reports_name_unmatched_requests_and_unused_interactions(recorded: Recorded, replaying, tmp_path: Path):
    with replaying(recorded.cassette) as replay:
        replay.http.post("/assistants", json={"model": "gpt-4o", "name": SECRET}, headers=V2)
        replay.http.post(
            "/assistants", json={"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}}, headers=V2
        )
        summary = replay.session.summary()
    write_reports(summary, tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["exchanges"] == 2
    assert report["coverage"]["v2"]["operations"]["createAssistant"]["count"] == 2
    assert report["coverage"]["v2"]["operations"]["createAssistant"]["statuses"] == {"200": 1}
    assert [m["code"] for m in report["replay"]["unmatched"]] == ["no_recorded_interaction"]
    unused = report["replay"]["unused"]
    assert len(unused) == recorded.interactions - 1
    assert unused[0]["source"] == {"file": str(recorded.cassette), "index": 1}
    xml = (tmp_path / "report.xml").read_text()
    assert 'name="recorded answers"' in xml and "1 requests had no recorded answer" in xml
    assert "no_recorded_interaction" in (tmp_path / "report.html").read_text()
    for name in ("report.json", "report.xml", "report.html"):
        assert SECRET not in (tmp_path / name).read_text(), name  # the miss message quotes the sent body
    assert SECRET not in "\n".join(replay.lines)


def test_a_session_where_everything_matched_and_conformed_has_not_failed(recorded: Recorded, replaying):
    with replaying(recorded.cassette) as replay:
        body = {"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}}
        assert replay.http.post("/assistants", json=body, headers=V2).status_code == 200
        summary = replay.session.summary()
    assert not summary.failed and summary.exchanges == 1


# --- the official SDK against the replay server --------------------------------------------------------------

SDK_SCENARIO = """
def scenario(client):
    b = client.beta
    assistant = b.assistants.create(model="gpt-4o", name="sdk replay", instructions="be brief")
    thread = b.threads.create()
    message = b.threads.messages.create(thread.id, role="user", content="Tell me about replays")
    with b.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        events = [event.event for event in stream]
        run = stream.get_final_run()
    polled = b.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=1)
    messages = b.threads.messages.list(thread.id, order="asc")
    return {
        "ids": [assistant.id, thread.id, message.id, run.id, polled.id],
        "events": events,
        "streamed": run.status,
        "polled": polled.status,
        "messages": [[m.role, m.content[0].text.value] for m in messages.data],
    }

# Recorded first (the client's base URL is the recording server), then replayed: one process, one import of openai.
live = scenario(client)
replayed = scenario(OpenAI(base_url=os.environ["REPLAY_URL"], max_retries=0, timeout=30))
emit({"live": live, "replayed": replayed})
"""


def test_openai_sdk_runs_against_the_replay_server(
    v2_client: ClientVenv, contract: Contract, mount: tuple[str, Mount], tmp_path: Path
) -> None:
    root, mounted = mount
    recorder = RecordingApp(create_app(contract=contract))

    def replay_what_was_recorded() -> Any:  # on the SDK's first replayed request: the recording is complete
        cassette = write_cassette(tmp_path / "sdk.yaml", recorder.exchanges)
        return create_replay_app(cassette, contract=contract)

    mounted.make = replay_what_was_recorded
    with serve_in_thread(recorder) as recording:
        out = run_client(v2_client, SDK_SCENARIO, recording + "/v1", env={"REPLAY_URL": root + "/v1"}, timeout=60)
    summary = mounted.app.state.replay.summary()
    assert out["replayed"] == out["live"]
    assert out["replayed"]["streamed"] == out["replayed"]["polled"] == "completed"
    assert "thread.message.delta" in out["replayed"]["events"] and out["replayed"]["messages"][0][0] == "user"
    polls = sum(1 for e in recorder.exchanges if e.request.method == "GET" and "/runs/" in e.request.url)
    assert polls >= 2  # create_and_poll read the run more than once: the replay gave those answers in order
    assert summary.replay.misses == [] and summary.replay.unused == [] and summary.replay.repeated == 0
    assert summary.replay.played == len(recorder.exchanges)
    assert summary.errors == 0, [f.violation for f in summary.findings]


# --- the command ------------------------------------------------------------------------------------------


class Running:
    """`assistants-contract replay ...` as a subprocess, its stdout read as it comes."""

    def __init__(self, *args: str) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [str(CLI), "replay", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)
            self.lines.put(line)

    def wait_for(self, prefix: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r}; exit {self.proc.poll()}; stdout:\n{''.join(self.out)}")

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("replay did not stop on the signal") from None
        time.sleep(0.05)  # the reader thread takes the last lines
        assert self.proc.stderr is not None
        return code, "".join(self.out), self.proc.stderr.read()


def test_command_replays_reports_and_exits_1_on_a_miss(recorded: Recorded, tmp_path: Path):
    reports = tmp_path / "reports"
    running = Running(str(recorded.cassette.parent), "--port", "0", "--report", str(reports))
    try:
        announced = running.wait_for("replaying ")
        url = announced.split(" on ", 1)[1].split()[0]
        assert f"{recorded.interactions} interactions from 1 cassettes" in announced
        with httpx.Client(base_url=url + "/v1", timeout=10) as http:
            body = {"model": "gpt-4o", "name": "replayed", "metadata": {"a": "1"}}
            assert http.post("/assistants", json=body, headers=V2).json() == recorded.assistant
            secret_headers = {**V2, "Authorization": f"Bearer {SECRET}"}
            missed = http.post("/assistants", json={"model": "gpt-4o", "name": SECRET}, headers=secret_headers)
            assert missed.status_code == 404 and SECRET not in missed.text
        running.wait_for("POST /v1/assistants [createAssistant] 404 NO ANSWER (no_recorded_interaction)")
    finally:
        code, out, err = running.stop(signal.SIGINT)
    assert code == 1, (out, err)
    assert "unmatched requests: 1" in out
    assert f"unused interactions: {recorded.interactions - 1}" in out
    assert f"{recorded.cassette} #1  POST https://api.openai.com/v1/threads" in out
    assert "violations: 0 errors, 0 warnings" in out
    assert out.rstrip().endswith(f"reports in {reports}")
    report = json.loads((reports / "report.json").read_text())
    assert report["replay"]["requests"] == 2 and len(report["replay"]["unmatched"]) == 1
    assert report["coverage"]["v2"]["operations"]["createAssistant"]["count"] == 2
    assert (reports / "report.xml").is_file() and (reports / "report.html").is_file()
    for text in (out, err, *(p.read_text() for p in reports.iterdir())):
        assert SECRET not in text


def test_command_cannot_run_without_cassettes_or_a_free_port(recorded: Recorded, tmp_path: Path):
    runner = CliRunner()
    empty = tmp_path / "empty"
    empty.mkdir()
    done = runner.invoke(cli, ["replay", str(empty)])
    assert done.exit_code == 2 and f"replay: no cassette or HAR files found under {empty}" in done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ninteractions: [{request: 1}\n")
    done = runner.invoke(cli, ["replay", str(broken)])
    assert done.exit_code == 2 and f"replay: {broken}: not a vcrpy cassette" in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = runner.invoke(cli, ["replay", str(recorded.cassette), "--port", str(port)])
    assert done.exit_code == 2
    assert f"replay: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
