"""`assistants-contract proxy` as a child process, the way a user runs it: for the commands that put the proxy in
front of a server themselves (`record-cassettes`, `demo`).

It starts in its own process group (so it can be stopped with everything it started), logs to a file, is
stopped with Ctrl-C (SIGINT) so it finishes its cassette and reports, and is killed if it does not stop in time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ProxyProcess", "ProxyFailed", "free_port"]

_START = 60.0
_STOP = 30.0


class ProxyFailed(RuntimeError):
    """The proxy would not start, or would not stop."""


class ProxyProcess:
    """One proxy in reverse mode in front of `upstream`, listening on a free port of 127.0.0.1.

    `options` are the command's own (`--record DIR`, `--report DIR`, `--policy pass`, ...); its output goes to
    `log_path`."""

    def __init__(self, upstream: str, options: list[str], log_path: Path) -> None:
        self.upstream, self.options, self.log_path = upstream, options, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.process is not None:
            return
        argv = [sys.executable, "-m", "assistants_contract", "proxy", "--upstream", self.upstream]
        argv += ["--listen-port", str(self.port), *self.options]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_listening(self, timeout: float = _START) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ProxyFailed(f"the proxy exited with {self.process.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise ProxyFailed(f"the proxy did not listen on {self.port} within {timeout:.0f} s:\n{self.tail()}")

    def interrupt(self) -> None:
        """Ctrl-C, as a user stops it: the proxy then finishes its cassette and reports."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait(self, timeout: float = _STOP) -> int:
        """The proxy's exit status, once it has stopped (after `interrupt`)."""
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ProxyFailed(f"the proxy did not stop on Ctrl-C within {timeout:.0f} s:\n{self.tail()}") from None

    def kill(self) -> None:
        """Stop it and whatever it started, now (a no-op once it has exited)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
