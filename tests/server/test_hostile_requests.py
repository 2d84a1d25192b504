"""Hostile requests to the reference server: each gets the API's JSON error before anything is stored, and the
server goes on answering (issue: a lone surrogate once made every later list a 500)."""

from __future__ import annotations

import httpx
import pytest

from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

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


@pytest.fixture(scope="module")
def server():
    with serve_in_thread(create_app()) as root, httpx.Client(base_url=root, headers=V2, timeout=30) as http:
        yield http


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
