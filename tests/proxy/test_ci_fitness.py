"""`assistants-contract proxy` in a CI job: exit statuses, output to a pipe that goes away, an upstream that is
down, a full disk, a stuck checking worker, a port in use, and file modes under the umask.

Each test runs the installed command as a subprocess in front of a real upstream (`CannedServer`, on loopback),
sends real HTTP requests through it, stops it with SIGINT as Ctrl-C would, and asserts on its exit status, its
output and the files it wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from canned_server import CannedServer
from proxy_e2e.support import free_port

from assistants_contract.contract import Contract
from assistants_contract.proxy.runner import ProxyOutcome
from assistants_contract.report import Summary

CLI = Path(sys.executable).parent / "assistants-contract"
JSON = {"content-type": "application/json"}
EMPTY_PAGE = json.dumps({"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}).encode()
V2 = {"OpenAI-Beta": "assistants=v2"}
# Built at run time: no key-shaped literal in the repository.
AUTHORIZED = {**V2, "Authorization": "Bearer " + "sk-" + "test" + "x" * 24}

pytestmark = pytest.mark.skipif(not CLI.exists(), reason="the assistants-contract entry point is not installed")


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    routes = {("GET", "/v1/assistants"): (200, JSON, EMPTY_PAGE)}
    with CannedServer(routes) as server:
        yield server.url


class Proxy:
    """`assistants-contract proxy` as a subprocess; its output is read as it comes (pipes, never files: a file
    would count against RLIMIT_FSIZE)."""

    def __init__(
        self,
        tmp: Path,
        *args: str,
        upstream: str | None,
        umask: int = 0o022,
        file_size_limit: int | None = None,
        wait: bool = True,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.record_dir, self.report_dir = tmp / "record", tmp / "report"
        argv = [str(CLI), "proxy", "--listen-port", str(self.port), *args]
        if upstream is not None:
            argv += ["--upstream", upstream]

        def prepare() -> None:
            os.umask(umask)
            if file_size_limit is not None:
                # Writes past the limit then fail with EFBIG, as on a full disk (Python ignores SIGXFSZ).
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp, preexec_fn=prepare, start_new_session=True
        )
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self._readers = [self._drain(self.proc.stderr, self.err)]
        if wait:
            self._readers.append(self._drain(self.proc.stdout, self.out))
            self.wait_for("proxy on http://")

    @staticmethod
    def _drain(stream, into: list[bytes]) -> threading.Thread:
        thread = threading.Thread(target=lambda: into.extend(iter(lambda: stream.read1(65536), b"")), daemon=True)
        thread.start()
        return thread

    @property
    def stdout(self) -> str:
        return b"".join(self.out).decode(errors="replace")

    @property
    def stderr(self) -> str:
        return b"".join(self.err).decode(errors="replace")

    def wait_for(self, text: str, timeout: float = 40.0, where: Callable[[], str] | None = None) -> None:
        """Until `text` is in the output (stdout by default)."""
        where = where or (lambda: self.stdout)
        deadline = time.monotonic() + timeout
        while text not in where():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} (status {self.proc.poll()}):\n{self.stdout}\n{self.stderr}")
            time.sleep(0.05)

    def stop(self, timeout: float = 30.0) -> int:
        """Ctrl-C, then the exit status. The timeout only keeps a hung proxy from hanging the suite."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"the proxy did not stop:\n{self.stdout}\n{self.stderr}") from None
        for reader in self._readers:
            reader.join(5)
        return self.proc.returncode

    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text())

    def interactions(self) -> list[dict]:
        found = []
        for path in sorted(self.record_dir.glob("*.yaml")):
            found += yaml.safe_load(path.read_text())["interactions"] or []
        return found


@contextlib.contextmanager
def proxy(tmp: Path, *args: str, **kwargs) -> Iterator[Proxy]:
    running = Proxy(tmp, *args, **kwargs)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()


def codes(report: dict) -> set[str]:
    return {v["code"] for v in report["violations"]}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- exit statuses ---------------------------------------------------------------------------------------------


def test_errors_exit_1_and_say_where_the_files_are_with_the_umask_honoured(tmp_path, upstream):
    with proxy(tmp_path, "--record", "record", "--report", "report", upstream=upstream, umask=0o022) as p:
        assert "recording to record/" in p.stdout
        assert "reports at exit: report/report.json" in p.stdout
        with httpx.Client(base_url=p.url, timeout=10) as client:
            assert client.get("/v1/assistants", headers=AUTHORIZED).status_code == 200
            assert client.get("/v1/nowhere", headers=AUTHORIZED).status_code == 404
        p.wait_for("/v1/nowhere")
        status = p.stop()
    assert status == 1, p.stdout + p.stderr
    summary_at = p.stdout.index("2 exchanges, ")
    assert p.stdout.index("cassette: record/") > summary_at
    assert p.stdout.index("reports: report/report.json") > summary_at
    assert p.report()["errors"] >= 1
    assert len(p.interactions()) == 2
    (cassette,) = p.record_dir.glob("*.yaml")
    assert [mode(cassette), *(mode(p.report_dir / n) for n in ("report.json", "report.xml", "report.html"))] == [
        0o644
    ] * 4
    assert "Traceback" not in p.stdout + p.stderr


@pytest.mark.parametrize(
    ("errors", "warnings", "fail_on", "failed"),
    [
        (1, 0, "error", True),
        (0, 1, "error", False),
        (0, 1, "warning", True),
        (1, 1, "warning", True),
        (1, 1, "never", False),
        (0, 0, "warning", False),
    ],
)
def test_the_threshold_of_fail_on(contract: Contract, errors, warnings, fail_on, failed):
    from assistants_contract import Exchange, Headers, Request, Response
    from assistants_contract._models import CheckResult, Severity, Side, Violation

    summary = Summary.for_contract(contract)
    found = [Violation("path.undocumented", "x", Side.REQUEST)] * errors
    found += [Violation("request.auth.missing", "x", Side.REQUEST, Severity.WARNING)] * warnings
    exchange = Exchange(Request("GET", "http://h/v1/x", Headers()), Response(404, Headers(), b""))
    summary.add(exchange, CheckResult("v2", None, found))
    assert ProxyOutcome(summary).failed(fail_on) is failed


# --- a terminal that goes away -----------------------------------------------------------------------------


def test_a_closed_stdout_pipe_loses_no_report_and_keeps_the_status(tmp_path, upstream):
    """`proxy | head -c 1`, then Ctrl-C: the reader of stdout is gone before the proxy's last lines."""
    with proxy(tmp_path, "--record", "record", "--report", "report", upstream=upstream, umask=0o077, wait=False) as p:
        start = b""
        while b"proxy on http://" not in start:
            chunk = p.proc.stdout.read1(4096)
            assert chunk, p.stderr
            start += chunk
        p.proc.stdout.close()  # as `head -c 1` exits
        count = 30  # their lines (about 500 bytes each) overflow stdout's buffer: writes meet the closed pipe
        with httpx.Client(base_url=p.url, timeout=10) as client:
            for i in range(count):
                assert client.get(f"/v1/nowhere/{i:0200}", headers=AUTHORIZED).status_code == 404
        deadline = time.monotonic() + 30
        while len(p.interactions()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        status = p.stop()
    assert status == 1, p.stderr
    report = p.report()
    assert report["exchanges"] == count
    assert "path.undocumented" in codes(report)
    assert len(p.interactions()) == count
    (cassette,) = p.record_dir.glob("*.yaml")
    assert [mode(cassette), *(mode(p.report_dir / n) for n in ("report.json", "report.xml", "report.html"))] == [
        0o600
    ] * 4
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


# --- the upstream is down ----------------------------------------------------------------------------------


def test_an_unreachable_upstream_is_said_at_start_and_each_failed_flow_is_an_error(tmp_path):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with proxy(tmp_path, "--record", "record", "--report", "report", upstream=down) as p:
        assert f"upstream {down} is not reachable" in p.stdout
        with httpx.Client(base_url=p.url, timeout=10) as client:
            assert client.get("/v1/assistants", headers=AUTHORIZED).status_code == 502
        p.wait_for("GET /v1/assistants")
        status = p.stop()
    assert status == 1, p.stdout + p.stderr
    assert "no response FAIL" in p.stdout
    report = p.report()
    assert report["errors"] == 1
    assert "response.missing" in codes(report)
    assert p.interactions() == []  # no whole exchange: nothing to replay


# --- a full disk -------------------------------------------------------------------------------------------


def test_a_full_disk_says_how_many_interactions_were_lost_and_exits_2(tmp_path, upstream):
    limit = 4096  # the first interactions fit; the rest and the reports (7 to 14 KB) do not
    count = 12
    with proxy(tmp_path, "--record", "record", "--report", "report", upstream=upstream, file_size_limit=limit) as p:
        with httpx.Client(base_url=p.url, timeout=10) as client:
            for _ in range(count):
                assert client.get("/v1/assistants", headers=AUTHORIZED).status_code == 200
        p.wait_for("could not write cassette", where=lambda: p.stdout + p.stderr)
        status = p.stop()
    assert status == 2, p.stdout + p.stderr
    written = len(p.interactions())
    assert 0 < written < count
    assert f"{count - written} of {count} interactions were not recorded in record/" in p.stdout
    assert "could not write the reports to report: File too large" in p.stdout
    assert not (p.report_dir / "report.json").exists() or json.loads((p.report_dir / "report.json").read_text())
    assert "Traceback" not in p.stdout + p.stderr


# --- a stuck checking worker -------------------------------------------------------------------------------


def _worker_of(pid: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and b"proxy.worker" in (entry / "cmdline").read_bytes():
                    return int(entry.name)
    raise AssertionError(f"no checking worker under {pid}")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker through /proc")
def test_a_stalled_worker_is_replaced_and_nothing_is_lost(tmp_path, upstream):
    """Also `--fail-on warning`: the one warning of the session (a request without a key) makes the status 1."""
    args = ("--record", "record", "--report", "report", "--worker-timeout", "1", "--fail-on", "warning")
    with proxy(tmp_path, *args, upstream=upstream) as p, httpx.Client(base_url=p.url, timeout=10) as client:
        assert client.get("/v1/assistants", headers=AUTHORIZED).status_code == 200
        p.wait_for("GET /v1/assistants")
        deadline = time.monotonic() + 10
        while len(p.interactions()) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "checking goes on" not in p.stdout, p.stdout
        os.kill(_worker_of(p.proc.pid), signal.SIGSTOP)  # alive, but answers nothing
        for _ in range(3):
            assert client.get("/v1/assistants", headers=AUTHORIZED).status_code == 200  # traffic goes on
        p.wait_for("has not answered for")
        assert client.get("/v1/assistants", headers=V2).status_code == 200
        status = p.stop(timeout=15)
    assert status == 1, p.stdout + p.stderr
    assert "checking goes on in the proxy's process" in p.stdout
    assert len(p.interactions()) == 5  # one by the worker, the rest in the continued cassette
    report = p.report()
    assert (report["exchanges"], report["errors"], report["warnings"]) == (5, 0, 1)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker through /proc")
def test_ctrl_c_while_the_worker_starts_loses_nothing(tmp_path, upstream):
    # Ctrl-C in a terminal signals the proxy's whole process group. The checking worker, still importing then, must
    # not get it: it would die with a traceback, and its jobs go on in the proxy, into a second cassette.
    with proxy(tmp_path, "--record", "record", "--report", "report", upstream=upstream) as p:
        _worker_of(p.proc.pid)  # it has started (the proxy starts it once it listens), and is importing now
        with httpx.Client(base_url=p.url, timeout=10) as client:
            assert client.get("/v1/assistants", headers=AUTHORIZED).status_code == 200
        os.killpg(p.proc.pid, signal.SIGINT)
        p.proc.wait(30)
        for reader in p._readers:
            reader.join(5)
    output = p.stdout + p.stderr
    assert p.proc.returncode == 0, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert [path.name.endswith("-continued.yaml") for path in p.record_dir.glob("*.yaml")] == [False], output
    assert len(p.interactions()) == 1


# --- a port in use -----------------------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_naming_our_option_and_exit_2(tmp_path, upstream):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(CLI), "proxy", "--upstream", upstream, "--listen-port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"proxy: cannot listen on 127.0.0.1:{port}: Address already in use (is another proxy on it? choose another"
        " with --listen-port)"
    ]
    assert "--mode" not in result.stdout + result.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker through /proc")
def test_shutdown_with_a_stuck_worker_ends_and_does_the_rest_itself(contract: Contract, tmp_path):
    """The worker stops answering just before the proxy stops: shutdown waits one timeout, not forever."""
    from assistants_contract import Headers, Request, Response
    from assistants_contract.proxy.finish import Job, Settings
    from assistants_contract.proxy.worker import WorkerBackend

    request = Request("GET", "http://127.0.0.1/v1/assistants", Headers(AUTHORIZED))
    response = Response(200, Headers(JSON), EMPTY_PAGE)

    def job(flow_id: str) -> Job:
        return Job(
            flow_id, request, response, (), check_request=True, check_response=True, check_body=True, record=True
        )

    delivered: list[str] = []
    cassette = tmp_path / "session.yaml"

    async def scenario():
        backend = WorkerBackend(contract, Settings(record_path=cassette), lambda o: delivered.append(o.flow_id), 0.5)
        backend.submit(job("first"))
        while not delivered:
            await asyncio.sleep(0.01)
        os.kill(_worker_of(os.getpid()), signal.SIGSTOP)
        backend.submit(job("second"))
        return backend.close()

    recorded = asyncio.run(scenario())
    assert delivered == ["first", "second"]
    assert [(r.path.name, r.written + r.lost) for r in recorded] == [
        ("session.yaml", 1),
        ("session-continued.yaml", 1),
    ]
    assert (recorded[1].written, recorded[1].lost) == (1, 0)  # the second job, done in this process


# --- in-process, with mitmproxy's test kit -------------------------------------------------------------------


@pytest.mark.parametrize(("client_left", "expected"), [(False, True), (True, False)])
def test_no_response_is_an_error_unless_the_client_hung_up_first(contract: Contract, client_left, expected):
    from mitmproxy.test import taddons, tflow, tutils

    from assistants_contract.proxy.addons import KEY, default_addons

    addons = default_addons(contract)
    check = addons[0]
    with taddons.context(*addons) as tctx:
        tctx.configure(check, contract_worker=False)
        request = tutils.treq(method=b"GET", path=b"/v1/assistants", content=b"")
        request.headers.clear()
        request.headers.update(AUTHORIZED)
        flow = tflow.tflow(req=request, err=True)
        flow.client_conn.timestamp_end = 946681206 if client_left else None
        check.request(flow)
        check.error(flow)
        found = [v.code for v in flow.metadata[KEY].result.violations]
    assert ("response.missing" in found) is expected, found


def test_a_report_folder_that_cannot_be_made_stops_the_start(contract: Contract, tmp_path):
    from mitmproxy import exceptions
    from mitmproxy.test import taddons

    from assistants_contract.proxy.addons import default_addons

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    addons = default_addons(contract)
    report = next(a for a in addons if type(a).__name__ == "Report")
    with taddons.context(*addons) as tctx, pytest.raises(exceptions.OptionsError, match="cannot make the report"):
        tctx.configure(report, contract_report_dir=str(blocker / "reports"))
