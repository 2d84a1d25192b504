"""Record the bundled cassettes: every tour (`tours.py`) through the proxy, against the reference server in its
deterministic mode, one cassette file a tour (`assistants-contract record-cassettes`, `make cassettes`).

The proxy is the product's own (`assistants-contract proxy`, as a user runs it): it checks each exchange, redacts
it and writes it, with the origin `https://api.openai.com` so clients replay with their default base URL. One
server serves the whole recording, so ids never repeat across files; a proxy of its own records each tour, so
each file holds one tour. The key is made for the recording and redacted anyway. Run twice, the recording gives
the same bytes (a test holds it to that).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from .tours import TOURS, TourClient, TourFailed

__all__ = ["record_cassettes", "RecordingFailed", "DEFAULT_SEED", "readme"]

DEFAULT_SEED = 1
ORIGIN = "https://api.openai.com"
_PROXY_START = 60.0
_PROXY_STOP = 30.0
_AHEAD = 3  # proxies started ahead of their tour


class RecordingFailed(RuntimeError):
    """The recording could not be made (the proxy would not start or stop, or a tour went wrong)."""


def record_cassettes(out: Path, *, seed: int = DEFAULT_SEED, say: Callable[[str], None] = print) -> list[Path]:
    """Record every tour into `out/<version>/<tour>.yaml` and write `out/README.md`; the files written."""
    from ..server import create_app
    from ..server.threaded import serve_in_thread

    key = "sk-proj-" + secrets.token_hex(24)  # made for this recording, and redacted by the proxy anyway
    plan = [(version, tour) for version in ("v1", "v2") for tour in TOURS if version in tour.versions]
    app = create_app(seed=seed, api_keys=[key])
    with serve_in_thread(app, server_headers=False) as root, tempfile.TemporaryDirectory() as scratch:
        proxies = [_Proxy(root, version, Path(scratch) / f"{version}-{tour.name}") for version, tour in plan]
        try:
            for index, ((version, tour), proxy) in enumerate(zip(plan, proxies, strict=True)):
                for ahead in proxies[index : index + _AHEAD]:
                    ahead.start()  # a proxy takes seconds to start: the next ones start while this tour runs
                proxy.wait_until_listening()
                with httpx.Client(base_url=proxy.url, timeout=30, trust_env=False) as http:
                    try:
                        tour.drive(TourClient(http, version, key))
                    except TourFailed as e:
                        raise RecordingFailed(f"tour {version}/{tour.name}: {e}") from e
                proxy.interrupt()  # and it takes seconds to stop: the tours go on meanwhile
            written = []
            for (version, tour), proxy in zip(plan, proxies, strict=True):
                target = out / version / f"{tour.name}.yaml"
                proxy.finish(target)
                say(f"recorded {target}")
                written.append(target)
        finally:
            for proxy in proxies:
                proxy.kill()
    readme_path = out / "README.md"
    readme_path.write_text(readme(seed))
    return [*written, readme_path]


class _Proxy:
    """`assistants-contract proxy` in front of the server, recording one tour into its own folder."""

    def __init__(self, upstream: str, version: str, scratch: Path) -> None:
        self.upstream, self.version, self.scratch = upstream, version, scratch
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.process: subprocess.Popen | None = None
        self.log_path = scratch / "proxy.log"

    def start(self) -> None:
        if self.process is not None:
            return
        argv = [
            sys.executable,
            "-m",
            "assistants_contract",
            "proxy",
            "--upstream",
            self.upstream,
            "--listen-port",
            str(self.port),
            "--record",
            str(self.scratch / "cassette"),
            "--record-origin",
            ORIGIN,
            "--policy",
            "pass",  # the errors tour sends wrong requests on purpose: they must reach the server
            "--api-version",
            self.version,
        ]
        self.scratch.mkdir(parents=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + _PROXY_START
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RecordingFailed(f"the proxy exited with {self.process.returncode}:\n{self._tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise RecordingFailed(f"the proxy did not listen on {self.port} within {_PROXY_START:.0f} s:\n{self._tail()}")

    def interrupt(self) -> None:
        """Ctrl-C, as a user stops it: the proxy then finishes the cassette."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def finish(self, target: Path) -> None:
        """Wait for the proxy to stop, then move its one cassette to `target`."""
        assert self.process is not None
        try:
            self.process.wait(timeout=_PROXY_STOP)
        except subprocess.TimeoutExpired:
            raise RecordingFailed(f"the proxy did not stop on Ctrl-C:\n{self._tail()}") from None
        recorded = sorted((self.scratch / "cassette").glob("*.yaml"))
        if self.process.returncode != 0 or len(recorded) != 1:
            raise RecordingFailed(
                f"{target.name}: the proxy exited with {self.process.returncode} and wrote {len(recorded)} cassettes"
                f" (not one):\n{self._tail()}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(recorded[0], target)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readme(seed: int) -> str:
    """cassettes/README.md: what each file holds, from the tours themselves."""
    lines = [
        "# cassettes/",
        "",
        "vcrpy cassettes (format version 1) of every operation of both contracts, recorded through the proxy against",
        f"the reference server in its deterministic mode (seed {seed}) by `make cassettes`",
        "(`assistants-contract record-cassettes`). Do not edit them by hand: change `record/tours.py` and record",
        "again; the same tours give the same bytes, so `git diff` shows only what changed. URLs are",
        f"`{ORIGIN}/v1/...`; the key they were made with is redacted. `make test` lints them against the",
        "current contract (the drift gate).",
        "",
        "| file | holds |",
        "|---|---|",
    ]
    for version in ("v1", "v2"):
        for tour in TOURS:
            if version in tour.versions:
                lines.append(f"| `{version}/{tour.name}.yaml` | {tour.summary} |")
    return "\n".join(lines) + "\n"
