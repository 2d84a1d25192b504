"""`make proxy`, as the README gives it for an app of one's own, run as a user runs it: the make target in front of
an upstream, a client's requests through it, Ctrl-C, then the cassette and reports it leaves.

The README's command against the real API is this target with `UPSTREAM=https://api.openai.com`; no test here
reaches the real API (no key, no network), so the upstream is the reference server on loopback, which answers as
the API does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from proxy_e2e.support import free_port, wait_listening
from server.support import serve

from assistants_contract.record.redact import Redactor
from assistants_contract.server import create_app

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-" + "makeproxy" + "k" * 24  # key-shaped, so the redaction of the cassette is seen; built at run time
V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": f"Bearer {KEY}"}

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "assistants-contract").exists(),
    reason="`make proxy` needs make and this checkout's .venv",
)


def _wait_for_text(text: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"make proxy did not print {text!r} within {timeout} s:\n{log.read_text()}")
        time.sleep(0.05)


def test_make_proxy_checks_records_and_reports_what_a_client_sends_through_it(tmp_path: Path):
    port, out, log = free_port(), tmp_path / "out", tmp_path / "make.log"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    with serve(create_app("stateful")) as server, log.open("w") as written:
        upstream = server.root
        argv = ["make", "--no-print-directory", "-C", str(ROOT), "proxy"]
        argv += [f"UPSTREAM={upstream}", f"PROXY_PORT={port}", f"PROXY_OUT={out}"]
        # A session of its own, so that Ctrl-C can go to make and the proxy together, as a terminal sends it.
        make = subprocess.Popen(argv, stdout=written, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            wait_listening(port, make, "make proxy", log.read_text, timeout=60)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}/v1", headers=V2, timeout=30) as client:
                made = client.post("/assistants", json={"model": "gpt-4o", "name": "through make proxy"})
                assert made.status_code == 200, made.text
                got = client.get(f"/assistants/{made.json()['id']}")
                assert got.status_code == 200 and got.json()["name"] == "through make proxy"
            # Ctrl-C once the flows are checked (their lines printed): the proxy's checking worker is up by then.
            _wait_for_text("[getAssistant] 200 ok", log)
            os.killpg(make.pid, signal.SIGINT)
            make.wait(timeout=60)
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
                make.wait()
    printed = log.read_text()
    assert f"proxy on http://127.0.0.1:{port} -> {upstream}" in printed, printed
    assert "Traceback" not in printed
    # The cassette: both exchanges, the upstream's URLs, no key.
    (cassette,) = sorted((out / "cassettes").glob("*.yaml"))
    text = cassette.read_text()
    interactions = yaml.safe_load(text)["interactions"]
    assert [(i["request"]["method"], i["response"]["status"]["code"]) for i in interactions] == [
        ("POST", 200),
        ("GET", 200),
    ]
    assert interactions[0]["request"]["uri"] == f"{upstream}/v1/assistants"
    assert KEY not in text and Redactor().text(text) == text
    # The reports: the two exchanges, conforming.
    report = json.loads((out / "report" / "report.json").read_text())
    assert (report["exchanges"], report["errors"]) == (2, 0)
    seen = report["coverage"]["v2"]["operations"]
    assert (seen["createAssistant"]["count"], seen["getAssistant"]["count"]) == (1, 1)
    for name in ("report.xml", "report.html"):
        assert (out / "report" / name).stat().st_size > 0
    assert KEY not in printed
