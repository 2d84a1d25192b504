"""`assistants-contract verify` end to end: the installed command against real servers on loopback."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from assistants_contract.server import create_app

from .conftest import verify_command

ALL_OPERATIONS = 28 + 23


def _made_up_key(prefix: str) -> str:
    """A key shaped like a real one, made for the test run (none is written in the repository)."""
    return prefix + secrets.token_hex(20)


SMOKE = "fuzzing,stateful,scenarios"


@pytest.mark.parametrize(
    ("seed", "settings"),
    [
        pytest.param(1, [], id="seed-1-defaults"),
        # The coverage phase hardly depends on the seed; fuzzing and the stateful phase do.
        pytest.param(2, ["--phases", SMOKE, "--max-examples", "5"], id="seed-2-smoke"),
        pytest.param(3, ["--phases", SMOKE, "--max-examples", "5", "--workers", "2"], id="seed-3-smoke-two-workers"),
    ],
)
def test_the_reference_server_conforms(reference_url, run_verify, tmp_path, seed, settings):
    junit, html = tmp_path / "verify.xml", tmp_path / "verify.html"
    result = run_verify(
        reference_url,
        "--api-version",
        "both",
        "--seed",
        str(seed),
        "--junit",
        str(junit),
        "--html",
        str(html),
        *settings,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.failures == []
    verdicts = result.report["verdicts"]
    assert sum(len(ops) for ops in verdicts.values()) == ALL_OPERATIONS
    assert {v for ops in verdicts.values() for v in ops.values()} == {"pass"}
    assert result.report["run"]["seed"] == seed and result.report["run"]["cases"] > 1000
    checks = {c["check"] for c in result.report["checks"]}
    assert {"assistants_contract", "ignored_auth", "negative_data_rejection", "use_after_free"} <= checks
    assert any(c.startswith("scenario.") for c in checks)
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [s.get("failures") for s in suites] == ["0", "0"] and all(int(s.get("tests")) > 100 for s in suites)
    assert "Conformance of" in html.read_text()
    assert re.search(rf"cases in [0-9.]+ s, seed {seed}: ok\n\Z", result.stdout)
    assert "\r" not in result.stdout  # no progress line off a terminal
    stages = {(t["version"], t["stage"]) for t in result.report["run"]["stage_times"] if t["cases"]}
    assert {("v1", "stateful"), ("v2", "stateful"), ("v1", "scenarios"), ("v2", "scenarios")} <= stages


def test_a_stateless_mock_cannot_pass_the_behaviour_scenarios(contract, serve_app, run_verify):
    url = serve_app(create_app("mock", contract=contract))
    result = run_verify(url, "--phases", "scenarios")
    assert result.returncode == 1, result.stdout[-3000:]
    failed = {check for _, check in result.named()}
    assert {"scenario.message_pagination", "scenario.run_tool_outputs", "scenario.thread_lock"} <= failed
    assert {"scenario.stream_run", "scenario.assistant_lifecycle"} <= failed


def test_a_failure_carries_code_pointer_seed_and_a_curl_that_reproduces_it(contract, serve_app, run_verify):
    url = serve_app(create_app("stateful", contract=contract, faults=["run-created-at-string"]))
    secret = _made_up_key("sk-live-")
    result = run_verify(url, "--phases", "scenarios", "--seed", "42", api_key=secret)
    assert result.returncode == 1
    found = [f for f in result.failures if f["check"] == "assistants_contract" and f["operation_id"] == "getRun"]
    failure = found[0]
    assert failure["code"] == "response.body.schema" and failure["pointer"] == "/created_at"
    assert failure["seed"] == 42 and "expected an integer, got" in failure["message"] and failure["status"] == 200
    assert failure["schema_location"].startswith("assistants-v") and "RunObject" in failure["schema_location"]
    command = failure["reproduction"].splitlines()[-1]
    assert command.startswith("curl -X GET") and "Bearer sk-REDACTED" in command
    # Pasted into a shell, the command shows the fault again (this server takes any key, the redacted one too).
    pasted = subprocess.run(["bash", "-c", command + " --silent --max-time 10"], capture_output=True, text=True)
    assert re.search(r'"created_at":"[0-9]+"', pasted.stdout), pasted.stdout[:300]
    assert "seed: 42" in result.stdout and "reproduce with:" in result.stdout
    for text in (result.stdout, result.stderr, json.dumps(result.report)):
        assert secret not in text and secret[8:] not in text


def test_no_secret_reaches_any_report(contract, serve_app, run_verify, tmp_path):
    url = serve_app(create_app("stateful", contract=contract, faults=["accept-invalid-body"]))
    secret = _made_up_key("sk-proj-")
    junit, html = tmp_path / "r.xml", tmp_path / "r.html"
    result = run_verify(url, "--phases", "scenarios", "--junit", str(junit), "--html", str(html), api_key=secret)
    assert result.returncode == 1 and result.failures
    for text in (result.stdout, result.stderr, junit.read_text(), html.read_text(), str(result.report)):
        assert secret[8:] not in text


def test_an_unreachable_server_is_exit_2_in_one_line(run_verify):
    result = run_verify("http://127.0.0.1:9/v1", "--phases", "scenarios")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "cannot reach http://127.0.0.1:9/v1" in result.stderr
    assert result.stdout == ""


def test_a_refused_key_is_exit_2(reference_url, run_verify):
    result = run_verify(reference_url, "--phases", "scenarios", api_key="sk-not-the-one")
    assert result.returncode == 2 and "refused the API key" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--phases", "coverage,bogus"], "unknown stage(s) bogus"),
        (["--api-version", "v3"], "Invalid value for '--api-version'"),
        (["--max-examples", "0"], "Invalid value for '--max-examples'"),
    ],
)
def test_bad_options_are_exit_2(reference_url, args, says):
    completed = subprocess.run(verify_command(reference_url, *args), capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and says in completed.stderr


def test_a_url_that_is_no_url_is_exit_2():
    completed = subprocess.run(verify_command("ftp://example"), capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and "is not an http:// or https:// URL" in completed.stderr


DOCUMENTS = Path(__file__).resolve().parents[2] / "contracts"
# As the README's commands: for v1, two schemathesis heuristics that misread the API (see the README).
PLAIN_EXCLUSIONS = {"v1": ["--exclude-checks", "ensure_resource_availability,use_after_free"], "v2": []}


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_plain_schemathesis_passes_on_the_contract_against_serve(contract, version, tmp_path):
    """The contract speaks for itself: schemathesis' own CLI, our document, the reference server with a key."""
    key = "sk-plain-schemathesis-key"
    with _serve_cli(key) as url:
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            str(DOCUMENTS / f"assistants-{version}.yaml"),
            "--url",
            url,
            "-H",
            f"OpenAI-Beta: assistants={version}",
            "-H",
            f"Authorization: Bearer {key}",
            "--max-examples",
            "10",
            "--seed",
            "1",
            "--no-color",
            *PLAIN_EXCLUSIONS[version],
        ]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout[-6000:]
    assert "Failures:" not in completed.stdout
    assert re.search(r"\b(\d+) generated, \1 passed", completed.stdout), completed.stdout[-2000:]


@contextlib.contextmanager
def _serve_cli(key: str) -> Iterator[str]:
    """`assistants-contract serve --api-key KEY` as a subprocess on a free port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "assistants_contract", "serve", "--port", str(port), "--api-key", key]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline and process.poll() is None, f"serve did not listen: {command}"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)
