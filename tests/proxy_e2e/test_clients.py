"""End-to-end with the official SDK on both sides of mitmdump: the last assistants=v1 client through the reverse
proxy, the current client through a regular (forward) proxy over HTTPS trusting mitmproxy's CA, and a cassette
the proxy recorded replayed by `@pytest.mark.vcr` in the client's own venv with the server gone.

Every process is real: the reference server under uvicorn on loopback, `mitmdump -s .../proxy/mitmdump_addon.py`
as a subprocess, and the SDK (or pytest with pytest-recording) in a client venv. The assertions are on what the SDK
saw, on report.json and on the cassette, so a proxy that drops, alters, misfiles or fails to record traffic fails
here.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr.serializers.yamlserializer
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from server.support import (
    API_KEY,
    FILE_A,
    FILE_B,
    WEATHER_TOOL,
    ClientVenv,
    LiveServer,
    VenvError,
    ensure_client_venv,
    format_violations,
    run_client,
    serve,
)
from vcr.serialize import deserialize

from assistants_contract import Contract
from assistants_contract.server import create_app

from .support import MITMDUMP, mitm

pytestmark = pytest.mark.skipif(not MITMDUMP.exists(), reason="mitmdump is not installed next to the interpreter")

# pytest-recording's replay needs vcrpy >= 9.4: older releases do not patch httpx2, which openai 3.x runs on.
REPLAY_REQUIREMENTS = ["openai", "vcrpy>=9.4", "pytest", "pytest-recording"]


@pytest.fixture(scope="module")
def replay_client(client_venvs_root: Path) -> ClientVenv:
    """The current openai with vcrpy, pytest and pytest-recording: an app's test environment, as its CI has it."""
    try:
        return ensure_client_venv(client_venvs_root, "openai-latest-replay", REPLAY_REQUIREMENTS)
    except VenvError as e:
        pytest.fail(f"could not make the replay venv ({' '.join(REPLAY_REQUIREMENTS)}):\n{e}", pytrace=False)


def _reference_app(contract: Contract) -> Any:
    return create_app("stateful", contract=contract, self_check=True)


def _assert_clean(server: LiveServer) -> None:
    """The reference server's own self-check: a proxy that altered requests could make it answer off-contract."""
    assert not server.violations, format_violations(server.violations)


def _interactions(path: Path) -> list[dict[str, Any]]:
    """The cassette as written (with the verdicts vcrpy ignores), after checking that vcrpy itself loads it."""
    requests, responses = deserialize(path.read_text(), vcr.serializers.yamlserializer)
    assert len(requests) == len(responses)
    return yaml.safe_load(path.read_text())["interactions"]


def _header(headers: dict[str, list[str]], name: str) -> str | None:
    values = [v for k, vs in headers.items() if k.lower() == name for v in vs]
    return values[0] if values else None


def _is_stream(item: dict[str, Any]) -> bool:
    return (_header(item["response"]["headers"], "content-type") or "").startswith("text/event-stream")


def _event_names(body: str) -> list[str]:
    """The event names of a recorded event stream, without the closing `done` (the SDK does not surface it)."""
    names = [line[len("event:") :].strip() for line in body.splitlines() if line.startswith("event:")]
    return [n for n in names if n != "done"]


def _operations(report: dict[str, Any], version: str) -> dict[str, dict[str, Any]]:
    """The operations of `version` that report.json saw, with their counts and statuses."""
    operations = report["coverage"][version]["operations"]
    return {op: seen for op, seen in operations.items() if seen["count"]}


# --- 1. the last v1 client through the reverse proxy ----------------------------------------------------------

V1_SCRIPT = f"""
b = client.beta
out = {{}}
a = b.assistants.create(model="gpt-4-turbo", name="v1 via proxy", tools=[{WEATHER_TOOL!r}])
out["assistant_file"] = b.assistants.files.create(a.id, file_id={FILE_A!r}).model_dump()
t = b.threads.create()
m = b.threads.messages.create(t.id, role="user", content="Weather in Paris?", file_ids=[{FILE_B!r}])
out["message_files"] = [f.id for f in b.threads.messages.files.list(m.id, thread_id=t.id)]

events = []
with b.threads.runs.create_and_stream(thread_id=t.id, assistant_id=a.id) as stream:
    for event in stream:
        events.append(event.event)
    run = stream.get_final_run()
calls = run.required_action.submit_tool_outputs.tool_calls
out["streamed"] = {{"events": events, "status": run.status, "calls": [c.function.name for c in calls]}}
done = b.threads.runs.submit_tool_outputs_and_poll(
    run_id=run.id, thread_id=t.id, tool_outputs=[{{"tool_call_id": c.id, "output": "sunny"}} for c in calls]
)
out["submitted"] = done.status
polled = b.threads.runs.create_and_poll(thread_id=t.id, assistant_id=a.id, instructions="[[no-tools]]")
out["polled"] = {{"status": polled.status, "file_ids": polled.file_ids}}
out["messages"] = [(x.role, x.content[0].text.value) for x in b.threads.messages.list(t.id, order="asc")]
out["ids"] = {{"assistant": a.id, "thread": t.id, "message": m.id, "runs": [run.id, polled.id]}}
emit(out)
"""


def test_v1_client_through_reverse_proxy(contract: Contract, v1_client: ClientVenv, tmp_path: Path) -> None:
    with serve(_reference_app(contract)) as server:
        before = len(server.requests)  # the readiness probe went straight to the server
        with mitm(server.root, tmp_path) as proxy:
            out = run_client(v1_client, V1_SCRIPT, proxy.url + "/v1", timeout=60)
            assert proxy.stop() == 0, proxy.output()
        arrived = server.requests[before:]
        _assert_clean(server)

    # What the SDK saw: the whole v1 lifecycle, unaltered by the proxy in between.
    assert out["assistant_file"]["object"] == "assistant.file" and out["assistant_file"]["id"] == FILE_A
    assert out["message_files"] == [FILE_B]
    streamed = out["streamed"]
    assert streamed["status"] == "requires_action" and streamed["calls"] == ["get_weather"]
    assert streamed["events"][0] == "thread.run.created" and streamed["events"][-1] == "thread.run.requires_action"
    assert out["submitted"] == "completed"
    assert out["polled"] == {"status": "completed", "file_ids": [FILE_A]}  # the run took the assistant's file
    assert out["messages"] == [
        ["user", "Weather in Paris?"],
        ["assistant", "Here is what the tools returned: sunny"],
        ["assistant", "You said: Weather in Paris?"],
    ]
    assert all(seen.beta == "assistants=v1" for seen in arrived), {seen.beta for seen in arrived}

    # report.json: every exchange counted, all under v1, all 200, no violation of either severity.
    report = proxy.report()
    assert report["exchanges"] == len(arrived)
    assert report["errors"] == 0 and report["violations"] == [], report["violations"]
    assert _operations(report, "v2") == {}
    v1 = _operations(report, "v1")
    assert {op: seen["count"] for op, seen in v1.items() if op != "getRun"} == {
        "createAssistant": 1,
        "createAssistantFile": 1,
        "createThread": 1,
        "createMessage": 1,
        "listMessageFiles": 2,  # 1.20.0's pager ignores has_more: it asks for the (empty) page after the last item
        "createRun": 2,  # the streamed run and the polled one
        "submitToolOuputsToRun": 1,
        "listMessages": 2,
    }
    assert v1["getRun"]["count"] >= 2  # both polling helpers polled
    assert all(set(seen["statuses"]) == {"200"} for seen in v1.values()), v1
    assert sum(seen["count"] for seen in v1.values()) == report["exchanges"]

    # The cassette holds the same exchanges, in order, each with its v1 verdict and the v1 header it was sent with.
    (cassette,) = proxy.cassettes()
    items = _interactions(cassette)
    assert [(i["request"]["method"], i["request"]["uri"]) for i in items] == [
        (seen.method, server.root + seen.url) for seen in arrived
    ]
    assert Counter(i["assistants_contract"]["operation_id"] for i in items) == {op: s["count"] for op, s in v1.items()}
    for item in items:
        assert item["assistants_contract"]["version"] == "v1"
        assert item["assistants_contract"]["violations"] == []
        assert _header(item["request"]["headers"], "openai-beta") == "assistants=v1"
    (stream,) = [i for i in items if _is_stream(i)]
    assert stream["assistants_contract"]["operation_id"] == "createRun"
    assert json.loads(stream["request"]["body"])["stream"] is True
    assert _event_names(stream["response"]["body"]["string"]) == streamed["events"]  # the whole stream, in order
    files = [i for i in items if i["assistants_contract"]["operation_id"] == "createAssistantFile"]
    assert json.loads(files[0]["response"]["body"]["string"])["assistant_id"] == out["ids"]["assistant"]
    first, empty = [i for i in items if i["assistants_contract"]["operation_id"] == "listMessages"]
    last_id = json.loads(first["response"]["body"]["string"])["last_id"]
    assert empty["request"]["uri"].endswith(f"after={last_id}")
    assert json.loads(empty["response"]["body"]["string"])["data"] == []


# --- 2. the current client through a regular (forward) proxy over HTTPS -----------------------------------------


def _self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for `localhost` and 127.0.0.1: an HTTPS upstream no client trusts on its own."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "server-cert.pem", folder / "server-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


V2_STREAM_SCRIPT = f"""
b = client.beta
out = {{}}
a = b.assistants.create(model="gpt-4o", name="via forward proxy", tools=[{WEATHER_TOOL!r}])
t = b.threads.create(messages=[{{"role": "user", "content": "Weather in Oslo?"}}])
with b.threads.runs.stream(thread_id=t.id, assistant_id=a.id) as stream:
    events = [e.event for e in stream]
    run = stream.get_final_run()
calls = run.required_action.submit_tool_outputs.tool_calls
with b.threads.runs.submit_tool_outputs_stream(
    thread_id=t.id, run_id=run.id, tool_outputs=[{{"tool_call_id": c.id, "output": "snow"}} for c in calls],
) as stream:
    text = "".join(stream.text_deltas)
    final = stream.get_final_run()
out["streamed"] = {{"events": events, "status": run.status, "calls": len(calls)}}
out["submitted"] = {{"text": text, "status": final.status}}
out["messages"] = [x.content[0].text.value for x in b.threads.messages.list(t.id, order="asc")]
out["base_url"] = str(client.base_url)
emit(out)
"""


def test_v2_client_through_regular_proxy_over_https(contract: Contract, v2_client: ClientVenv, tmp_path: Path) -> None:
    cert, key = _self_signed_cert(tmp_path / "tls")
    with serve(_reference_app(contract), ssl_certfile=str(cert), ssl_keyfile=str(key)) as server:
        port = server.root.rsplit(":", 1)[1]
        base_url = f"https://localhost:{port}/v1"
        before = len(server.requests)
        with mitm(None, tmp_path / "proxy", mode="regular", options=("ssl_insecure=true",)) as proxy:
            assert proxy.ca_cert.is_file(), proxy.output()
            # The client trusts only mitmproxy's CA, and with that alone the self-signed upstream is out of reach:
            # an answer at all means the request went through the proxy, which re-encrypted it with its own cert.
            trusting_mitm = ssl.create_default_context(cafile=proxy.ca_cert)
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                httpx.get(base_url + "/assistants", verify=trusting_mitm, timeout=10)
            env = {"HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": str(proxy.ca_cert), "NO_PROXY": None, "no_proxy": None}
            out = run_client(v2_client, V2_STREAM_SCRIPT, base_url, timeout=60, env=env)
            assert proxy.stop() == 0, proxy.output()
        arrived = server.requests[before:]
        _assert_clean(server)

    assert out["base_url"] == base_url + "/"
    assert out["streamed"]["status"] == "requires_action" and out["streamed"]["calls"] == 1
    assert out["streamed"]["events"][-1] == "thread.run.requires_action"
    assert out["submitted"] == {"text": "Here is what the tools returned: snow", "status": "completed"}
    assert out["messages"] == ["Weather in Oslo?", "Here is what the tools returned: snow"]

    report = proxy.report()
    assert report["exchanges"] == len(arrived) == 5
    assert report["errors"] == 0 and report["violations"] == [], report["violations"]
    assert _operations(report, "v1") == {}
    assert {op: seen["count"] for op, seen in _operations(report, "v2").items()} == {
        "createAssistant": 1,
        "createThread": 1,
        "createRun": 1,
        "submitToolOuputsToRun": 1,
        "listMessages": 1,
    }
    (cassette,) = proxy.cassettes()
    items = _interactions(cassette)
    # The proxy saw the decrypted requests under the name the client used: https://localhost:PORT.
    assert [i["request"]["uri"] for i in items] == [f"https://localhost:{port}{seen.url}" for seen in arrived]
    streams = [i for i in items if _is_stream(i)]
    assert [i["assistants_contract"]["operation_id"] for i in streams] == ["createRun", "submitToolOuputsToRun"]
    assert _event_names(streams[0]["response"]["body"]["string"]) == out["streamed"]["events"]
    assert all(i["response"]["body"]["string"].rstrip().endswith("data: [DONE]") for i in streams)


# --- 3. a cassette recorded through the proxy, replayed by @pytest.mark.vcr with the server gone ------------------

# The same calls, record and replay: an app's code under test. Only JSON types come back, so the recording's
# emitted result and the replay's can be compared as they are.
SCENARIO = f"""
def scenario(client, question="Weather in Paris?"):
    b = client.beta
    a = b.assistants.create(model="gpt-4o", name="replayed", tools=[{WEATHER_TOOL!r}])
    t = b.threads.create()
    b.threads.messages.create(t.id, role="user", content=question)
    with b.threads.runs.stream(thread_id=t.id, assistant_id=a.id) as stream:
        events = [e.event for e in stream]
        run = stream.get_final_run()
    calls = run.required_action.submit_tool_outputs.tool_calls
    done = b.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=t.id, tool_outputs=[{{"tool_call_id": c.id, "output": "mild"}} for c in calls]
    )
    messages = b.threads.messages.list(t.id, order="asc")
    return {{
        "ids": [a.id, t.id, run.id, [c.id for c in calls]],
        "events": events,
        "streamed": run.status,
        "final": done.status,
        "usage": done.usage.total_tokens,
        "messages": [[m.role, m.content[0].text.value] for m in messages.data],
    }}
"""

REPLAY_TESTS = '''
"""An app's tests replaying, offline, what the assistants-contract proxy recorded (pytest-recording: record mode
none by default). test_replay and test_changed_body must pass; test_missing_cassette must fail."""

import json
import os

import pytest
from openai import OpenAI
from vcr.errors import CannotOverwriteExistingCassetteException

EXPECTED = json.loads(os.environ["EXPECTED"])
RECORDED = os.environ["CASSETTE_NAME"]
# Ids in URLs come from the cassette's own responses, so method + URL + body finds each recording, in order;
# the body matcher holds GETs too (the proxy records no body as '', as the SDK sends it).
BY_REQUEST = ["method", "scheme", "host", "port", "path", "query", "body"]


@pytest.fixture(scope="module")
def vcr_cassette_dir():
    return os.environ["CASSETTE_DIR"]


@pytest.fixture(scope="module")
def vcr_config():
    return {"match_on": BY_REQUEST}


def client():
    return OpenAI(api_key="sk-replay-not-a-key", max_retries=0, timeout=5)  # the default base URL


@pytest.mark.vcr
@pytest.mark.default_cassette(RECORDED)
def test_replay(vcr):
    assert json.loads(json.dumps(scenario(client()))) == EXPECTED
    assert vcr.all_played and vcr.play_count == len(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette(RECORDED)
def test_changed_body(vcr):
    # The recorded bodies are the SDK's own: the assistant and the thread match by body, the new question not.
    with pytest.raises(CannotOverwriteExistingCassetteException, match="differ in body") as caught:
        scenario(client(), question="Weather in Rome?")
    assert vcr.play_count == 2
    assert caught.value.failed_request.method == "POST" and caught.value.failed_request.path.endswith("/messages")


@pytest.mark.vcr
@pytest.mark.default_cassette("never-recorded")
def test_missing_cassette():
    scenario(client())
'''


def _run_replay(venv: ClientVenv, folder: Path, cassette: Path, expected: Any) -> dict[str, str | None]:
    """Run the replay tests with pytest in the client venv; the outcome of each: None passed, else its failure."""
    folder.mkdir(parents=True)
    (folder / "pytest.ini").write_text("[pytest]\n")  # the rootdir: keeps the project's config and conftest out
    (folder / "test_replay.py").write_text(textwrap.dedent(SCENARIO) + textwrap.dedent(REPLAY_TESTS))
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "PYTEST_")) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    environ.update(
        CASSETTE_DIR=str(cassette.parent),
        CASSETTE_NAME=cassette.stem,
        EXPECTED=json.dumps(expected),
        PYTHONDONTWRITEBYTECODE="1",
    )
    argv = [str(venv.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]
    argv += ["--block-network", "--junitxml", str(folder / "junit.xml"), "test_replay.py"]
    done = subprocess.run(argv, cwd=folder, env=environ, capture_output=True, text=True, timeout=120)
    log = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode}: want 1 (test_missing_cassette is meant to fail)\n{log}"
    outcomes: dict[str, str | None] = {}
    for case in ET.parse(folder / "junit.xml").iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        outcomes[case.get("name", "")] = None if failure is None else f"{failure.get('message')}\n{failure.text}"
    assert set(outcomes) == {"test_replay", "test_changed_body", "test_missing_cassette"}, log
    return outcomes


def test_sdk_cassette_recorded_through_proxy_replays_with_pytest_recording(
    contract: Contract, v2_client: ClientVenv, replay_client: ClientVenv, tmp_path: Path
) -> None:
    with serve(_reference_app(contract)) as server:
        options = ("contract_record_origin=https://api.openai.com",)
        with mitm(server.root, tmp_path / "proxy", options=options) as proxy:
            recorded = run_client(v2_client, SCENARIO + "\nemit(scenario(client))\n", proxy.url + "/v1", timeout=60)
            assert proxy.stop() == 0, proxy.output()
        _assert_clean(server)
    # proxy and server are both gone from here on

    assert recorded["streamed"] == "requires_action" and recorded["final"] == "completed"
    assert recorded["events"][-1] == "thread.run.requires_action"
    assert recorded["messages"] == [
        ["user", "Weather in Paris?"],
        ["assistant", "Here is what the tools returned: mild"],
    ]
    report = proxy.report()
    assert report["errors"] == 0 and report["violations"] == [], report["violations"]
    (cassette,) = proxy.cassettes()
    items = _interactions(cassette)
    assert len(items) == report["exchanges"]
    assert all(i["request"]["uri"].startswith("https://api.openai.com/v1/") for i in items)
    (stream,) = [i for i in items if _is_stream(i)]
    assert stream["assistants_contract"]["operation_id"] == "createRun"
    assert _event_names(stream["response"]["body"]["string"]) == recorded["events"]
    assert API_KEY not in cassette.read_text()

    outcomes = _run_replay(replay_client, tmp_path / "replay", cassette, recorded)
    assert outcomes["test_replay"] is None, outcomes["test_replay"]
    assert outcomes["test_changed_body"] is None, outcomes["test_changed_body"]
    # The same calls with no cassette fail, so the passing replay really came from the recording.
    assert "CannotOverwriteExistingCassetteException" in (outcomes["test_missing_cassette"] or ""), outcomes


# The environment the README gives for each client in regular mode: HTTPS_PROXY, and the file of mitmproxy's CA
# under the name that client reads (httpx and the openai client: SSL_CERT_FILE; requests: REQUESTS_CA_BUNDLE).
_PLAIN_CLIENTS = {
    "httpx": ("SSL_CERT_FILE", "import httpx; answer = httpx.get(URL, headers=HEADERS, timeout=30)"),
    "requests": ("REQUESTS_CA_BUNDLE", "import requests; answer = requests.get(URL, headers=HEADERS, timeout=30)"),
}


@pytest.mark.parametrize("client", sorted(_PLAIN_CLIENTS))
def test_plain_http_clients_through_regular_proxy_with_the_documented_environment(
    contract: Contract, tmp_path: Path, client: str
) -> None:
    cert, key = _self_signed_cert(tmp_path / "tls")
    variable, call = _PLAIN_CLIENTS[client]
    with serve(_reference_app(contract), ssl_certfile=str(cert), ssl_keyfile=str(key)) as server:
        url = f"https://localhost:{server.root.rsplit(':', 1)[1]}/v1/assistants"
        with mitm(None, tmp_path / "proxy", mode="regular", options=("ssl_insecure=true",)) as proxy:
            script = (
                f"URL = {url!r}\nHEADERS = {{'OpenAI-Beta': 'assistants=v2', 'Authorization': 'Bearer made-up'}}\n"
                f"{call}\nprint(answer.status_code)\n"
            )
            env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy", "http_proxy")}
            env |= {"HTTPS_PROXY": proxy.url, variable: str(proxy.ca_cert)}
            done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
            assert proxy.stop() == 0, proxy.output()
    assert done.returncode == 0 and done.stdout.strip() == "200", done.stderr
    report = proxy.report()
    assert report["exchanges"] == 1 and report["errors"] == 0
    assert report["coverage"]["v2"]["operations"]["listAssistants"]["count"] == 1
