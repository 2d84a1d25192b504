"""`assistants-contract lint` end to end: exchanges recorded by real vcrpy from a loopback server, then the
installed command run as a subprocess."""

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import vcr
from canned_server import CannedServer

HEADERS = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-test-not-a-real-key"}
JSON = {"content-type": "application/json"}

ASSISTANT = {
    "id": "asst_abc123",
    "object": "assistant",
    "created_at": 1731000000,
    "name": "Math tutor",
    "description": None,
    "model": "gpt-4o",
    "instructions": "Answer with numbers.",
    "tools": [{"type": "code_interpreter"}],
    "tool_resources": {"code_interpreter": {"file_ids": []}},
    "metadata": {},
    "temperature": 1.0,
    "top_p": 1.0,
    "response_format": "auto",
}
THREAD = {"id": "thread_abc123", "object": "thread", "created_at": 1731000001, "metadata": {}, "tool_resources": {}}


def cli(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("assistants-contract", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)


def record(path: Path, routes, calls) -> None:
    """Serve `routes` on loopback and record `calls` (method, path, json body) with vcrpy."""
    with CannedServer(routes) as server, vcr.VCR(record_mode="all").use_cassette(str(path)):
        with httpx.Client(base_url=server.url, headers=HEADERS) as client:
            for method, url, body in calls:
                client.request(method, url, json=body)


@pytest.fixture
def clean_cassette(tmp_path):
    path = tmp_path / "clean.yaml"
    routes = {
        ("GET", "/v1/assistants/asst_abc123"): (200, JSON, json.dumps(ASSISTANT).encode()),
        ("POST", "/v1/threads"): (200, JSON, json.dumps(THREAD).encode()),
    }
    record(path, routes, [("GET", "/v1/assistants/asst_abc123", None), ("POST", "/v1/threads", {})])
    return path


@pytest.fixture
def broken_cassette(tmp_path):
    path = tmp_path / "broken.yaml"
    bad_thread = {**THREAD, "object": "conversation"}
    routes = {
        ("POST", "/v1/threads"): (
            200,
            {**JSON, "content-encoding": "gzip"},
            gzip.compress(json.dumps(bad_thread).encode()),
        ),
        ("GET", "/v1/nowhere"): (404, JSON, b'{"error": {"message": "no", "type": "x", "param": null, "code": null}}'),
        ("POST", "/v1/assistants"): (200, JSON, json.dumps(ASSISTANT).encode()),
    }
    record(
        path,
        routes,
        [
            ("POST", "/v1/threads", {}),
            ("GET", "/v1/nowhere", None),
            ("POST", "/v1/assistants", {"model": "gpt-4o", "color": "red"}),
        ],
    )
    return path


def test_clean_cassette_exits_0_and_counts_coverage(clean_cassette):
    done = cli("lint", "--format", "json", str(clean_cassette))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["exchanges"] == 2
    assert report["violations"] == []
    v2 = report["coverage"]["v2"]
    assert v2["operations_seen"] == 2 and v2["operations_documented"] == 23
    assert v2["operations"]["getAssistant"] == {
        "count": 1,
        "statuses": {"200": 1},
        "documented_statuses": ["200", "400", "401", "404", "429", "500"],
    }
    assert v2["operations"]["createThread"]["count"] == 1
    assert v2["operations"]["deleteThread"]["count"] == 0


def test_violations_carry_code_operation_pointer_and_source(broken_cassette):
    done = cli("lint", "--format", "json", str(broken_cassette))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    found = {(v["code"], v["operation_id"], v["pointer"], v["source"]["index"]) for v in report["violations"]}
    assert found == {
        ("response.body.schema", "createThread", "/object", 0),  # gzip body recorded raw by vcrpy, decoded by lint
        ("path.undocumented", None, "/v1/nowhere", 1),
        ("request.body.unknown_property", "createAssistant", "/color", 2),
    }
    assert {v["source"]["file"] for v in report["violations"]} == {str(broken_cassette)}
    assert report["errors"] == 3


def test_text_report_names_the_problem(broken_cassette):
    done = cli("lint", str(broken_cassette))
    assert done.returncode == 1
    assert "request.body.unknown_property at /color [createAssistant]: unknown argument 'color'" in done.stdout
    assert "3 exchanges, 3 errors, 0 warnings: FAIL" in done.stdout


def test_folders_are_searched_and_har_files_read(tmp_path, clean_cassette):
    folder = tmp_path / "recordings"
    folder.mkdir()
    shutil.copy(clean_cassette, folder / "one.yaml")
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "GET",
                        "url": "https://api.openai.com/v1/threads/thread_abc123",
                        "headers": [{"name": k, "value": v} for k, v in HEADERS.items()],
                    },
                    "response": {
                        "status": 200,
                        "headers": [{"name": "Content-Type", "value": "application/json"}],
                        "content": {"mimeType": "application/json", "text": json.dumps(THREAD)},
                    },
                }
            ],
        }
    }
    (folder / "browser.har").write_text(json.dumps(har))
    done = cli("lint", "--format", "json", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["exchanges"] == 3
    assert report["coverage"]["v2"]["operations"]["getThread"]["count"] == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("interactions: [\n  - request: {\n", "not a vcrpy cassette"),
        ("just: a mapping\n", "not a vcrpy cassette"),
        ('{"log": {"entries": [{"request": {}}]}}', "entry 0 is malformed"),
        ("{not json", "not valid JSON"),
    ],
)
def test_unusable_input_exits_2_with_one_line_naming_the_file(tmp_path, clean_cassette, content, says):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    done = cli("lint", str(clean_cassette), str(bad))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and says in lines[0], done.stderr
    assert "2 exchanges" in done.stdout  # the readable file was still checked and reported


def test_missing_path_exits_2(tmp_path):
    done = cli("lint", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert "no such file" in done.stderr and "Traceback" not in done.stderr


def test_module_entry_point_works(clean_cassette):
    done = subprocess.run(
        [sys.executable, "-m", "assistants_contract", "lint", str(clean_cassette)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
