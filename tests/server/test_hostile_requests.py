"""Hostile requests to the reference server: each gets the API's JSON error before anything is stored, and the
server goes on answering (issue: a lone surrogate once made every later list a 500). The server is `serve` in a
process of its own, under a memory limit (1 GiB of address space), each request under a time limit."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from proxy_e2e.support import wait_listening

from assistants_contract.proxy.process import free_port

MEMORY = 1 << 30

V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-test", "Content-Type": "application/json"}


def _nested(depth: int, inner: bytes = b"1") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def _tool(parameters: bytes) -> bytes:
    return b'{"model":"gpt-4o","tools":[{"type":"function","function":{"name":"f","parameters":' + parameters + b"}}]}"


# (name, method, path, body, expected status)
HOSTILE = [
    ("lone-low-surrogate", "POST", "/v1/assistants", b'{"model":"gpt-4o","name":"\\udfff"}', 400),
    ("lone-high-surrogate", "POST", "/v1/assistants", b'{"model":"gpt-4o","name":"a\\ud800b"}', 400),
    ("surrogate-in-message", "POST", "/v1/threads", b'{"messages":[{"role":"user","content":"\\udc00"}]}', 400),
    ("surrogate-in-metadata-key", "POST", "/v1/threads", b'{"metadata":{"\\ud801":"x"}}', 400),
    ("nan", "POST", "/v1/assistants", b'{"model":"gpt-4o","temperature":NaN}', 400),
    ("infinity", "POST", "/v1/assistants", b'{"model":"gpt-4o","top_p":Infinity}', 400),
    ("nested-256-in-metadata", "POST", "/v1/assistants", b'{"model":"gpt-4o","metadata":' + _nested(256) + b"}", 400),
    ("nested-3000-top-level", "POST", "/v1/threads", _nested(3000), 400),
    ("nested-100000-top-level", "POST", "/v1/threads", _nested(100_000), 400),
    ("nested-300-in-parameters", "POST", "/v1/assistants", _tool(b'{"a":' * 300 + b"1" + b"}" * 300), 400),
    ("nested-objects-1000", "POST", "/v1/threads", b'{"metadata":' + b'{"a":' * 1000 + b"1" + b"}" * 1001, 400),
    ("not-json", "POST", "/v1/threads", b"{not json", 400),
    ("truncated-json", "POST", "/v1/threads", b'{"metadata": {"a": "b"', 400),
    ("json-but-a-list", "POST", "/v1/threads", b"[]", 400),
    ("invalid-utf8", "POST", "/v1/threads", b'{"metadata":{"a":"\xff\xfe"}}', 400),
    ("newline-in-path-id", "GET", "/v1/threads/thread_%0Aabc", None, 404),
    ("nul-in-path-id", "GET", "/v1/threads/thread_%00abc", None, 404),
    ("huge-limit", "GET", "/v1/assistants?limit=99999999999999999999999", None, 400),
]


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("hostile-server") / "serve.log"
    port = free_port()
    argv = [sys.executable, "-m", "assistants_contract", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_limited)
    try:
        wait_listening(port, proc, "serve", lambda: Path(log).read_text(errors="replace"))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=V2, timeout=30, trust_env=False) as http:
            yield http
        assert proc.poll() is None, Path(log).read_text(errors="replace")  # it lived through the whole corpus
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("name", "method", "path", "body", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_request_gets_the_api_error_and_the_server_goes_on(server, name, method, path, body, status):
    response = server.request(method, path, content=body)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    # Nothing was stored that breaks what follows.
    assert server.get("/v1/assistants").status_code == 200
    assert server.get("/v1/threads/thread_doesNotExist").status_code == 404
