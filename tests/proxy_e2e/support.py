"""Helpers for the proxy end-to-end tests: a real `mitmdump -s .../proxy/mitmdump_addon.py` subprocess in
front of an upstream, the secrets the tests send, and a scan of the files written for them."""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "src" / "assistants_contract" / "proxy" / "mitmdump_addon.py"
MITMDUMP = Path(sys.executable).parent / "mitmdump"


def _alnum(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


SECRET_KEY = "sk-live-" + _alnum(32)
SECRET_ORG = "org-" + _alnum(20)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(
    port: int, proc: subprocess.Popen, what: str, output: Callable[[], str], timeout: float = 30
) -> None:
    """Until something listens on `port`; fails with `output()` if `proc` (which is to listen there) exits first or
    the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{output()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s:\n{output()}")


class Mitm:
    """A mitmdump subprocess in reverse mode in front of `upstream`; `options` are more `--set name=value`.

    `mode="regular"` makes it a forward proxy instead (`upstream` is then None: clients name their targets, and
    reach it with `HTTPS_PROXY=<url>` trusting `ca_cert`).
    """

    def __init__(
        self,
        upstream: str | None,
        tmp: Path,
        *,
        script: bool = True,
        record: bool = True,
        options: tuple[str, ...] = (),
        mode: str = "reverse",
    ) -> None:
        if mode not in ("reverse", "regular") or (mode == "reverse") != (upstream is not None):
            raise ValueError(f"mode {mode!r} with upstream {upstream!r}: reverse needs an upstream, regular none")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.record_dir = tmp / "record"
        self.report_dir = tmp / "report"
        self.confdir = tmp / "mitm"
        argv = [str(MITMDUMP)]
        if script:
            argv += ["-s", str(ADDON)]
        argv += [
            "--mode",
            f"reverse:{upstream}" if mode == "reverse" else "regular",
            "--listen-host",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--set",
            "connection_strategy=lazy",
            "--set",
            f"confdir={self.confdir}",
        ]
        if script and record:
            argv += ["--set", f"contract_record_dir={self.record_dir}"]
            argv += ["--set", f"contract_report_dir={self.report_dir}"]
        for option in options:
            argv += ["--set", option]
        tmp.mkdir(parents=True, exist_ok=True)
        self.log = open(tmp / "mitmdump.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        wait_listening(self.port, self.proc, "mitmdump", self.output)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-5000:]

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"mitmdump did not stop on signal {sig}:\n{self.output()}") from None
        self.log.close()
        return self.proc.returncode

    @property
    def ca_cert(self) -> Path:
        """mitmproxy's CA certificate (made in `confdir` at start), for clients of a regular-mode proxy to trust."""
        return self.confdir / "mitmproxy-ca-cert.pem"

    def cassettes(self) -> list[Path]:
        return sorted(self.record_dir.glob("*.yaml")) if self.record_dir.is_dir() else []

    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text())


@contextlib.contextmanager
def mitm(upstream: str | None, tmp: Path, **kwargs) -> Iterator[Mitm]:
    proxy = Mitm(upstream, tmp, **kwargs)
    try:
        yield proxy
    finally:
        if proxy.proc.poll() is None:
            proxy.proc.kill()
            proxy.proc.wait()


def scan_for_secrets(folders: list[Path], needles: list[str]) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {n}" for n in needles if n.encode() in data]
    return found
