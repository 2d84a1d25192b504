"""End-to-end: the reference server on loopback, `mitmdump -s .../proxy/mitmdump_addon.py` in reverse mode
as a real subprocess, the current openai SDK (client venv) driving it, and vcrpy replaying what was recorded."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
import vcr
import vcr.serializers.yamlserializer
from canned_server import CannedServer
from server.support import V2, ClientVenv, run_client, serve
from vcr.serialize import deserialize

from assistants_contract import Contract
from assistants_contract.server import create_app

from .support import MITMDUMP, SECRET_KEY, SECRET_ORG, free_port, mitm, scan_for_secrets

pytestmark = pytest.mark.skipif(not MITMDUMP.exists(), reason="mitmdump is not installed next to the interpreter")


SDK_SCRIPT = f"""
client = OpenAI(api_key={SECRET_KEY!r}, default_headers={{"OpenAI-Organization": {SECRET_ORG!r}}},
                max_retries=0, timeout=30)
from openai import AssistantEventHandler

assistant = client.beta.assistants.create(
    model="gpt-4o", name="e2e", instructions="use the tool",
    tools=[{{"type": "function", "function": {{"name": "get_weather", "description": "weather",
            "parameters": {{"type": "object", "properties": {{"city": {{"type": "string"}}}}}}}}}}],
)
thread = client.beta.threads.create()
client.beta.threads.messages.create(thread.id, role="user", content="weather in Paris?")
events = []
with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
    for event in stream:
        events.append(event.event)
    run = stream.current_run
status = run.status
calls = run.required_action.submit_tool_outputs.tool_calls if run.required_action else []
events2 = []
with client.beta.threads.runs.submit_tool_outputs_stream(
    thread_id=thread.id, run_id=run.id,
    tool_outputs=[{{"tool_call_id": c.id, "output": "sunny"}} for c in calls],
) as stream:
    for event in stream:
        events2.append(event.event)
    final = stream.current_run
messages = client.beta.threads.messages.list(thread.id)
emit({{"status": status, "calls": len(calls), "events": events, "events2": events2,
      "final": final.status, "messages": len(messages.data)}})
"""


def test_sdk_through_mitmdump_records_reports_and_replays(
    contract: Contract, v2_client: ClientVenv, tmp_path: Path
) -> None:
    with serve(create_app("stateful", contract=contract, self_check=True)) as server:
        with mitm(server.root, tmp_path) as proxy:
            result = run_client(v2_client, SDK_SCRIPT, proxy.url + "/v1", timeout=60)
            assert result["status"] == "requires_action", result
            assert result["calls"] >= 1
            assert "thread.run.requires_action" in result["events"]
            assert result["final"] == "completed", result
            assert result["events2"][-1] in ("thread.run.completed", "done"), result
            assert result["messages"] >= 2
            assert proxy.stop() == 0, proxy.output()
        assert not server.violations

        report = proxy.report()
        assert report["exchanges"] > 0
        errors = [v for v in report["violations"] if v.get("severity") == "error"]
        assert not errors, errors
        assert report["errors"] == 0
        assert (proxy.report_dir / "report.xml").is_file()
        assert (proxy.report_dir / "report.html").is_file()
        cassettes = proxy.cassettes()
        assert len(cassettes) == 1

    # The reference server is gone: vcrpy alone answers now.
    path = cassettes[0]
    cassette = deserialize(path.read_text(), vcr.serializers.yamlserializer)
    requests, recorded = cassette
    assert len(recorded) == report["exchanges"]
    streamed = 0
    with vcr.use_cassette(str(path), record_mode="none", match_on=["method", "path", "query"]):
        with httpx.Client(timeout=5) as http:
            for request, response in zip(requests, recorded, strict=True):
                got = http.request(request.method, request.uri, content=request.body or None)
                assert got.status_code == response["status"]["code"], request.uri
                body = response["body"]["string"]
                body = body.decode() if isinstance(body, bytes) else body
                assert got.text == body, request.uri
                streamed += "event: thread.run" in body
    assert streamed >= 2  # both streamed runs replayed, bodies intact

    leaks = scan_for_secrets([tmp_path], [SECRET_KEY, SECRET_ORG])
    assert not leaks, leaks


def test_bad_request_and_bad_upstream_show_in_report(contract: Contract, tmp_path: Path) -> None:
    with serve(create_app("stateful", contract=contract, self_check=True)) as server:
        with mitm(server.root, tmp_path / "a") as proxy:
            got = httpx.post(
                proxy.url + "/v1/assistants", json={"model": "gpt-4o", "colour": "blue"}, headers=V2, timeout=10
            )
            assert got.status_code == 400  # the reference server refuses it too; the proxy passes it on
            assert proxy.stop() == 0
        server.violations.clear()
    codes = {(v["code"], v["side"] if "side" in v else None) for v in proxy.report()["violations"]}
    assert any(code == "request.body.unknown_property" for code, _ in codes), codes

    bad_run = json.dumps({"id": "run_abc", "object": "thread.run", "status": "bogus"}).encode()
    routes = {("GET", "/v1/threads/thread_abc/runs/run_abc"): (200, {"content-type": "application/json"}, bad_run)}
    with CannedServer(routes) as canned, mitm(canned.url, tmp_path / "b") as proxy:
        got = httpx.get(proxy.url + "/v1/threads/thread_abc/runs/run_abc", headers=V2, timeout=10)
        assert got.status_code == 200
        assert got.content == bad_run  # checking never alters traffic
        assert proxy.stop() == 0
    report = proxy.report()
    assert any(v["code"] == "response.body.schema" for v in report["violations"]), report["violations"]
    assert report["errors"] > 0


def test_upstream_down_gives_502_and_proxy_survives(tmp_path: Path) -> None:
    closed = free_port()
    with mitm(f"http://127.0.0.1:{closed}", tmp_path) as proxy:
        for _ in range(2):
            got = httpx.get(proxy.url + "/v1/assistants", headers=V2, timeout=10)
            assert got.status_code == 502
            assert proxy.proc.poll() is None, proxy.output()
        assert proxy.stop() == 0


def test_kill_9_mid_recording_leaves_a_loadable_cassette(contract: Contract, tmp_path: Path) -> None:
    with serve(create_app("stateful", contract=contract)) as server, mitm(server.root, tmp_path) as proxy:
        done: list[int] = []

        def fire(i: int) -> None:
            with contextlib.suppress(httpx.HTTPError):
                if i % 2:
                    r = httpx.post(proxy.url + "/v1/threads", json={}, headers=V2, timeout=10)
                else:
                    r = httpx.get(proxy.url + "/v1/assistants?limit=100", headers=V2, timeout=10)
                done.append(r.status_code)

        threads = [threading.Thread(target=fire, args=(i,)) for i in range(30)]
        for t in threads:
            t.start()
            time.sleep(0.005)
        deadline = time.monotonic() + 10
        # Kill once traffic has flowed and the cassette exists (its first write is asynchronous), while the
        # rest of the requests are still on their way and later rewrites are due.
        while (len(done) < 10 or not proxy.cassettes()) and time.monotonic() < deadline:
            time.sleep(0.005)
        proxy.proc.send_signal(signal.SIGKILL)
        proxy.proc.wait()
        for t in threads:
            t.join(timeout=15)
        proxy.log.close()
    assert len(done) >= 10
    cassettes = proxy.cassettes()
    assert len(cassettes) == 1, list(proxy.record_dir.iterdir())
    requests, responses = deserialize(cassettes[0].read_text(), vcr.serializers.yamlserializer)
    assert 1 <= len(requests) == len(responses) <= 30


def _robustness_routes() -> dict:
    import gzip
    import zlib

    import brotli
    import zstandard

    run = json.dumps({"id": "run_x", "object": "thread.run"}).encode()
    json_type = {"content-type": "application/json"}
    sse = {"content-type": "text/event-stream"}
    return {
        ("GET", "/v1/threads/thread_a/runs/run_a"): (200, json_type, b"{not json"),
        ("GET", "/v1/threads/thread_b/runs/run_b"): (200, {"content-type": "text/plain"}, run),
        ("GET", "/v1/threads/thread_c/runs/run_c"): (
            200,
            {**json_type, "content-encoding": "gzip"},
            gzip.compress(run),
        ),
        ("GET", "/v1/threads/thread_d/runs/run_d"): (
            200,
            {**json_type, "content-encoding": "br"},
            brotli.compress(run),
        ),
        ("GET", "/v1/threads/thread_e/runs/run_e"): (
            200,
            {**json_type, "content-encoding": "deflate"},
            zlib.compress(run),
        ),
        ("GET", "/v1/threads/thread_f/runs/run_f"): (
            200,
            {**json_type, "content-encoding": "zstd"},
            zstandard.ZstdCompressor().compress(run),
        ),
        ("GET", "/v1/threads/thread_g/runs/run_g"): (200, json_type, b""),
        ("GET", "/v1/threads/thread_h/runs/run_h"): (200, {"content-type": "text/plain"}, b"\xff\xfe not utf-8 \xc3"),
        ("GET", "/v1/threads/thread_i/runs/run_i"): (200, json_type, b'{"pad": "' + b"x" * 20_000_000 + b'"}'),
        ("POST", "/v1/threads/thread_j/runs"): (200, sse, b'event: thread.run.created\ndata: {"id": "ru'),
        ("POST", "/v1/threads/thread_k/runs"): (200, sse, b"event: thread.run.created\ndata: {nope}\n\n"),
        ("GET", "/v1/nowhere"): (404, json_type, b'{"error": "nothing here"}'),
    }


def test_odd_traffic_passes_through_byte_identical_and_is_reported(tmp_path: Path) -> None:
    routes = _robustness_routes()
    with CannedServer(routes) as canned, mitm(canned.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=30) as client:
            for (method, path), (status, _, body) in routes.items():
                content = b'{"assistant_id": "asst_1", "stream": true}' if method == "POST" else None
                with client.stream(method, path, content=content) as got:
                    raw = b"".join(got.iter_raw())
                assert (got.status_code, raw) == (status, body), path
                assert proxy.proc.poll() is None, proxy.output()
            bad = client.post("/v1/assistants", content=b"{broken", headers={"content-type": "application/json"})
            assert bad.status_code == 404  # the canned upstream knows no such route; the proxy forwarded it
        assert proxy.stop() == 0
    assert "internal error" not in Path(proxy.log.name).read_text(errors="replace")
    report = proxy.report()
    assert report["exchanges"] == len(routes) + 1
    found = {(v["code"], v["operation_id"]) for v in report["violations"]}
    for expected in [
        ("response.body.invalid_json", "getRun"),
        ("response.content_type", "getRun"),
        ("stream.incomplete", "createRun"),
        ("stream.event.invalid_json", "createRun"),
        ("path.undocumented", None),
        ("request.body.invalid_json", "createAssistant"),
    ]:
        assert expected in found, (expected, found)
