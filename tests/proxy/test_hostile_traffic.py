"""Hostile requests through `assistants-contract proxy`, as a user runs it, in front of the reference server: each
is passed on byte for byte, answered as the server answers it, recorded and counted, and judged with its own code
where the contract has one (too deep, not JSON, a value out of range). The proxy runs under a memory limit.

The requests are the reference server's hostile corpus (`tests/server/test_hostile_requests.py`).
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time

import httpx
import pytest
import yaml
from server.test_hostile_requests import HOSTILE, V2

from assistants_contract.proxy.process import free_port
from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

MEMORY = 1 << 30  # 1 GiB of address space for the proxy and its worker

# The error codes the core gives each request (the request side); an empty set: the contract has nothing against
# it, and the reference server's refusal (a 400 for a lone surrogate it cannot store, a 404) is a documented answer.
EXPECTED = {
    "lone-low-surrogate": set(),
    "lone-high-surrogate": set(),
    "surrogate-in-message": set(),
    "surrogate-in-metadata-key": {"request.body.invalid_json"},
    "nan": {"request.body.schema"},
    "infinity": {"request.body.schema"},
    "nested-256-in-metadata": {"request.body.too_deep"},
    "nested-3000-top-level": {"request.body.too_deep"},
    "nested-100000-top-level": {"request.body.too_deep"},
    "nested-300-in-parameters": set(),
    "nested-objects-1000": {"request.body.too_deep"},
    "not-json": {"request.body.invalid_json"},
    "truncated-json": {"request.body.invalid_json"},
    "json-but-a-list": {"request.body.schema"},
    "invalid-utf8": {"request.body.invalid_json"},
    "newline-in-path-id": set(),
    "nul-in-path-id": set(),
    "huge-limit": {"request.query.invalid"},
}


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.fixture(scope="module")
def through_the_proxy(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict], list[httpx.Response]]:
    tmp = tmp_path_factory.mktemp("hostile")
    port = free_port()
    with serve_in_thread(create_app()) as root:
        argv = [sys.executable, "-m", "assistants_contract", "proxy", "--upstream", root, "--listen-port", str(port)]
        argv += ["--record", str(tmp / "rec"), "--report", str(tmp / "rep"), "--policy", "pass"]
        with open(tmp / "proxy.log", "wb") as log:
            proxy = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_limited)
        try:
            answers = []
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=V2, timeout=60, trust_env=False) as http:
                for _ in range(600):
                    try:
                        http.get("/v1/assistants")
                        break
                    except httpx.TransportError:
                        if proxy.poll() is not None:
                            pytest.fail((tmp / "proxy.log").read_text())
                        time.sleep(0.1)
                for _, method, path, body, _ in HOSTILE:
                    answers.append(http.request(method, path, content=body))
            proxy.send_signal(signal.SIGINT)
            assert proxy.wait(timeout=60) == 1, (tmp / "proxy.log").read_text()  # 1: it saw contract errors
        finally:
            if proxy.poll() is None:
                proxy.kill()
    report = json.loads((tmp / "rep" / "report.json").read_text())
    (cassette,) = (tmp / "rec").glob("*.yaml")
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    return report, interactions, answers


def test_every_hostile_request_is_answered_as_the_server_answers_it(through_the_proxy):
    _, _, answers = through_the_proxy
    assert [a.status_code for a in answers] == [status for *_, status in HOSTILE]
    assert all(a.headers["content-type"] == "application/json" for a in answers)


def test_every_hostile_request_is_recorded_and_counted(through_the_proxy):
    report, interactions, _ = through_the_proxy
    assert report["exchanges"] == len(HOSTILE) + 1  # and the first request, which waited for the proxy
    assert len(interactions) == len(HOSTILE) + 1
    for interaction, (name, method, _, _, status) in zip(interactions[1:], HOSTILE, strict=True):
        assert interaction["request"]["method"] == method, name
        assert interaction["response"]["status"]["code"] == status, name


@pytest.mark.parametrize("index", range(len(HOSTILE)), ids=[h[0] for h in HOSTILE])
def test_each_hostile_request_gets_its_code(through_the_proxy, index: int):
    _, interactions, _ = through_the_proxy
    name = HOSTILE[index][0]
    verdict = interactions[index + 1]["assistants_contract"]
    request_errors = {v["code"] for v in verdict["violations"] if v["side"] == "request" and v["severity"] == "error"}
    assert request_errors == EXPECTED[name]
    assert not [v for v in verdict["violations"] if v["side"] == "response" and v["severity"] == "error"]
