"""`assistants-contract serve` as a subprocess: it binds before its banner, and a port in use is one line and
exit status 2."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CLI = Path(sys.executable).parent / "assistants-contract"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason="the assistants-contract entry point is not installed")


def test_the_banner_comes_once_the_port_answers():
    proc = subprocess.Popen([str(CLI), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        banner = proc.stdout.readline().decode()
        match = re.search(r"on http://127\.0\.0\.1:(\d+)/v1", banner)
        assert match, banner + proc.stderr.read1().decode()
        # Bound before the banner: a connection made the moment it is read is accepted, and answered once
        # uvicorn serves the socket.
        with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=5):
            pass
        answer = httpx.get(f"http://127.0.0.1:{match.group(1)}/v1/assistants", headers={"OpenAI-Beta": "assistants=v2"})
        assert answer.status_code in (200, 401)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0, proc.stderr.read().decode()


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(CLI), "serve", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""  # no banner
    assert result.stderr.splitlines() == [
        f"serve: cannot listen on 127.0.0.1:{port}: Address already in use (is another server on it? choose another"
        " with --port, or --port 0 for any free one)"
    ]
