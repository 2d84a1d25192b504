"""The `openai` npm package against `assistants-contract replay`: a client in another language runs the bundled
streaming cassette (cassettes/v2/streaming.yaml) end to end, and one request it should not send is caught.

The package is installed once with npm under pytest's cache dir (`.pytest_cache/d/node-openai/`) and reused while
its marker names the pinned version. The Node script is written by the test; it gives the SDK a `fetch` that notes
every answer's status, verdict headers and (for event streams) the event names on the wire, since the SDK's
stream helpers keep the response to themselves and drop the closing `done` event.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "assistants-contract"
CASSETTE = "cassettes/v2/streaming.yaml"  # relative to ROOT, as the command is run there
# The newest release with `client.beta.threads` that runs on Node 20: every 7.x still has it, but 7.0.0 made
# Node 22 the minimum (`engines: node >=22`); 6.49.0 is the last 6.x, which supports Node 20 LTS and later.
OPENAI_NODE = "6.49.0"
API_KEY = "sk-node-" + secrets.token_urlsafe(18)  # made at run time; must reach no log line or report


# --- the package, installed once ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def node_openai(request: pytest.FixtureRequest) -> Path:
    """The package.json of the folder whose node_modules holds openai@OPENAI_NODE (what `createRequire` takes)."""
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: the openai npm package test needs Node.js 20 or later, and npm")
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node is on PATH but npm is not: install npm to run the openai npm package test", pytrace=False)
    cache = getattr(request.config, "cache", None)
    root = Path(cache.mkdir("node-openai")) if cache is not None else ROOT / ".pytest_cache" / "d" / "node-openai"
    root.mkdir(parents=True, exist_ok=True)
    marker = root / ".node-openai.json"
    installed = root / "node_modules" / "openai" / "package.json"
    with open(root / "install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two pytest processes do not install into one folder at once
        if (
            marker.is_file()
            and json.loads(marker.read_text()).get("openai") == OPENAI_NODE
            and installed.is_file()
            and json.loads(installed.read_text())["version"] == OPENAI_NODE
        ):
            return root / "package.json"
        marker.unlink(missing_ok=True)
        shutil.rmtree(root / "node_modules", ignore_errors=True)
        (root / "package-lock.json").unlink(missing_ok=True)
        manifest = {"name": "node-openai", "private": True, "dependencies": {"openai": OPENAI_NODE}}
        (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        argv = [npm, "install", "--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error"]
        try:
            done = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm install openai@{OPENAI_NODE} in {root} took more than 600 s", pytrace=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
            pytest.fail(f"npm install openai@{OPENAI_NODE} in {root} failed (exit {done.returncode}):\n{tail}")
        version = json.loads(installed.read_text())["version"]
        assert version == OPENAI_NODE, f"npm installed openai {version}, not the pinned {OPENAI_NODE}"
        marker.write_text(json.dumps({"openai": OPENAI_NODE}) + "\n")
    return root / "package.json"


# --- the replay command -------------------------------------------------------------------------------------


@dataclass
class Replaying:
    proc: subprocess.Popen[str]
    url: str = ""
    lines: list[str] = field(default_factory=list)
    stderr: str = ""


@contextlib.contextmanager
def replaying(*args: str) -> Iterator[Replaying]:
    """`assistants-contract replay ARGS` run from the repository root; `url` is the announced one. Stopped with
    SIGINT when the block ends, after which `lines` holds all it printed and `proc.returncode` its exit status."""
    proc = subprocess.Popen(
        [str(CLI), "replay", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    running = Replaying(proc)
    announced = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            running.lines.append(line)
            if line.startswith("replaying "):
                running.url = line.split(" on ", 1)[1].split()[0]
                announced.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while not announced.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"replay did not start (exit {proc.poll()}):\n{''.join(running.lines)}")
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("replay did not stop on SIGINT") from None
        reader.join(timeout=5)
        assert proc.stderr is not None
        running.stderr = proc.stderr.read()


# --- the Node client ----------------------------------------------------------------------------------------

SCENARIO = r"""
import { createRequire } from "node:module";

const { OpenAI } = createRequire(process.env.NODE_OPENAI_PACKAGE)("openai");

// Every answer the SDK gets, as it gets it; an event stream's event names are read off a copy of its body.
const answers = [];
const reading = [];
async function noting(url, init) {
  const response = await fetch(url, init);
  const where = new URL(url);
  const answer = {
    method: init?.method ?? "GET",
    path: where.pathname + where.search,
    status: response.status,
    contract: response.headers.get("x-assistants-contract"),
    replayed: response.headers.get("x-assistants-contract-replay"),
  };
  answers.push(answer);
  if ((response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    reading.push(response.clone().text().then((body) => {
      answer.wire = [...body.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    }));
  }
  return response;
}

const client = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY, baseURL: process.env.REPLAY_URL, fetch: noting, maxRetries: 0, timeout: 10000,
});
const beta = client.beta;

async function streamed(stream) {
  const events = [];
  let deltas = "";
  stream.on("textDelta", (delta) => { deltas += delta.value; });
  for await (const event of stream) events.push(event.event);
  const run = await stream.finalRun();
  const [message] = await stream.finalMessages();
  return { events, deltas, status: run.status, text: message.content[0].text.value };
}

const assistant = await beta.assistants.create({
  model: "gpt-4o", name: "Tour streamer", instructions: "Answer briefly.",
});
const thread = await beta.threads.create({ messages: [{ role: "user", content: "Stream this." }] });
const run = await streamed(beta.threads.runs.stream(thread.id, { assistant_id: assistant.id }));
const messages = await beta.threads.messages.list(thread.id);
const threadAndRun = await streamed(beta.threads.createAndRunStream({
  assistant_id: assistant.id, thread: { messages: [{ role: "user", content: "Stream a new thread." }] },
}));

// A v1 argument on v2: nothing recorded it, and the contract has no such property.
let wrong;
try {
  const answered = await beta.assistants.create({
    model: "gpt-4o", name: "Tour streamer", instructions: "Answer briefly.", file_ids: ["file-abc"],
  }).withResponse();
  wrong = { status: answered.response.status, contract: answered.response.headers.get("x-assistants-contract") };
} catch (error) {
  wrong = {
    status: error.status, type: error.type, code: error.code, message: error.message,
    contract: error.headers?.get("x-assistants-contract") ?? null,
  };
}
await Promise.all(reading);

console.log(JSON.stringify({
  assistant: assistant.id,
  thread: thread.id,
  run,
  messages: messages.data.map((m) => [m.role, m.content[0].text.value]),
  threadAndRun,
  wrong,
  answers,
}));
"""


def run_node(package: Path, script: Path, base_url: str) -> dict[str, Any]:
    env = {**os.environ, "NODE_OPENAI_PACKAGE": str(package), "REPLAY_URL": base_url, "OPENAI_API_KEY": API_KEY}
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, f"node exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def recorded_events(index: int) -> list[str]:
    """The event names of the cassette's interaction `index`, as recorded."""
    interactions = yaml.safe_load((ROOT / CASSETTE).read_text())["interactions"]
    return re.findall(r"^event: (.+)$", interactions[index]["response"]["body"]["string"], re.MULTILINE)


def test_openai_npm_package_conforms_and_its_v1_argument_is_caught(node_openai: Path, tmp_path: Path) -> None:
    script = tmp_path / "scenario.mjs"
    script.write_text(SCENARIO)
    reports = tmp_path / "reports"
    with replaying(CASSETTE, "--port", "0", "--report", str(reports)) as replay:
        out = run_node(node_openai, script, replay.url + "/v1")
    log, stdout = replay.lines, "".join(replay.lines)

    # Each recorded interaction answered once, in order, every request keeping the contract; then the miss.
    thread = out["thread"]
    scenario = [
        ("POST", "/v1/assistants", "createAssistant"),
        ("POST", "/v1/threads", "createThread"),
        ("POST", f"/v1/threads/{thread}/runs", "createRun"),
        ("GET", f"/v1/threads/{thread}/messages", "listMessages"),
        ("POST", "/v1/threads/runs", "createThreadAndRun"),
    ]
    answers = out["answers"]
    *conforming, missed = answers
    assert [(a["method"], a["path"]) for a in conforming] == [(method, path) for method, path, _ in scenario]
    assert (missed["method"], missed["path"]) == ("POST", "/v1/assistants")
    for index, (answer, (method, path, operation)) in enumerate(zip(conforming, scenario, strict=True)):
        assert (answer["status"], answer["contract"]) == (200, "ok"), answer
        assert answer["replayed"] == f"{CASSETTE} #{index}"
        assert f"{method} {path} [{operation}] 200 <- {CASSETTE} #{index}; contract ok\n" in log

    # The streams went out as recorded and the SDK's helpers read them to the end.
    for answer, streamed, index in ((answers[2], out["run"], 2), (answers[4], out["threadAndRun"], 4)):
        events = recorded_events(index)
        assert events[-2:] == ["thread.run.completed", "done"]
        assert answer["wire"] == events
        assert streamed["events"] == events[:-1]  # the SDK ends the stream at `done` without yielding it
        assert streamed["status"] == "completed"
    assert out["run"]["text"] == out["run"]["deltas"] == "You said: Stream this."
    assert out["threadAndRun"]["events"][0] == "thread.created"
    assert out["threadAndRun"]["text"] == out["threadAndRun"]["deltas"] == "You said: Stream a new thread."
    assert out["messages"] == [["assistant", "You said: Stream this."], ["user", "Stream this."]]

    # The v1 argument: no recording (a 404 the SDK raises), and the verdict names the code and pointer.
    verdict = "violations=1 request.body.unknown_property@/file_ids"
    wrong = out["wrong"]
    assert (wrong["status"], wrong["type"], wrong["code"]) == (404, "invalid_request_error", "no_recorded_interaction")
    assert wrong["contract"] == missed["contract"] == verdict
    assert "POST /v1/assistants" in wrong["message"] and "/file_ids" in wrong["message"]
    assert f"POST /v1/assistants [createAssistant] 404 NO ANSWER (no_recorded_interaction); contract {verdict}" in (
        stdout
    )

    # At exit: status 1 (a miss and a violation), both named in the summary and in report.json.
    assert replay.proc.returncode == 1, (stdout, replay.stderr)
    assert "unmatched requests: 1\n" in stdout
    assert "  POST /v1/assistants  no_recorded_interaction\n" in stdout
    assert "unused interactions: none\n" in stdout
    assert "violations: 1 errors, 0 warnings\n" in stdout
    assert "request.body.unknown_property at /file_ids [createAssistant]" in stdout
    assert "replay: 6 requests: 5 answered, 0 refused, 1 unmatched; 0 of 5 interactions unused" in stdout
    assert stdout.rstrip().endswith(f"reports in {reports}")
    report = json.loads((reports / "report.json").read_text())
    assert report["errors"] == 1 and report["exchanges"] == 6
    [violation] = report["violations"]
    assert (violation["code"], violation["pointer"], violation["operation_id"]) == (
        "request.body.unknown_property",
        "/file_ids",
        "createAssistant",
    )
    # No status: the 404 is the replay's own answer, not a recorded one (so coverage counts no 404 either).
    assert (violation["method"], violation["url"], violation["status"]) == ("POST", "/v1/assistants", None)
    played = report["replay"]
    assert (played["requests"], played["played"], played["repeated"], played["unused"]) == (6, 5, 0, [])
    assert [(m["method"], m["code"]) for m in played["unmatched"]] == [("POST", "no_recorded_interaction")]
    operations = report["coverage"]["v2"]["operations"]
    assert (operations["createAssistant"]["count"], operations["createAssistant"]["statuses"]) == (2, {"200": 1})
    for text in (stdout, replay.stderr, *(p.read_text() for p in reports.iterdir())):
        assert API_KEY not in text
