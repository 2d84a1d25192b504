"""`make demo`, run as a user runs it: a subprocess, then the files it leaves and what it printed.

One run, through the make target (with this checkout's .venv, so its install step has nothing to do), is shared by
the tests of this file (it takes about a minute). The Ctrl-C test interrupts a second run, of the command itself
on a pseudo-terminal, while the openai client goes through the proxy, which is where most processes are alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from assistants_contract.record.redact import Redactor

ROOT = Path(__file__).resolve().parents[1]
DEMO = [sys.executable, "-m", "assistants_contract", "demo", "--out"]
_TIMEOUT = 600


def processes_of(out: Path) -> list[str]:
    """Command lines of live processes the demo into `out` started (the proxy, the servers and verifies, pytest):
    each names a file under `out` or runs in a folder of it. The demo itself names `out` too, after `demo --out`."""
    return [line for line in _naming(str(out)) if " demo --out " not in line]


def _naming(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            cwd = ""
        if text in cmdline or cwd.startswith(text):
            found.append(f"{entry.name}: {cmdline}")
    return found


class Demo:
    def __init__(self, out: Path, done: subprocess.CompletedProcess[str]) -> None:
        self.out, self.done = out, done

    def json(self, relative: str) -> dict:
        return json.loads((self.out / relative).read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "assistants-contract").exists():
        pytest.skip("`make demo` needs make and this checkout's .venv")
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    # DEMO_OUT relative to the checkout, as the target's default is: the child processes run in folders of their
    # own, so the demo must resolve it first. Output to pipes, as in CI: no progress, only the summary.
    relative = os.path.relpath(out, ROOT)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "demo", f"DEMO_OUT={relative}"],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        env=env,
    )
    return Demo(out, done)


def test_the_demo_runs_every_part_as_expected_and_says_so(demo: Demo):
    assert demo.done.returncode == 0, demo.done.stdout[-4000:] + demo.done.stderr[-4000:]
    stdout = demo.done.stdout
    assert "every part came out as expected" in stdout
    for part in ("proxy:", "verify (reference):", "verify (faulty):", "replay:", "migration:"):
        assert f"{part} as expected" in stdout, stdout
    assert "v1: 28/28 operations seen (100 %)" in stdout
    assert "v2: 23/23 operations seen (100 %)" in stdout
    assert "the reference server conforms: 0 failures (exit 0)" in stdout
    assert "does not conform" in stdout
    assert "Traceback" not in demo.done.stderr


def test_the_demo_in_a_pipe_prints_the_summary_and_no_progress(demo: Demo):
    assert demo.done.returncode == 0
    lines = demo.done.stdout.splitlines()
    # make echoes the command it runs; after it the demo's summary is all there is.
    command = f"assistants-contract demo --out {os.path.relpath(demo.out, ROOT)}"
    start = next(n for n, line in enumerate(lines) if line.endswith(command))
    assert lines[start + 1 : start + 4] == ["", "assistants-contract demo: the summary", ""]
    printed = lines + demo.done.stderr.splitlines()
    assert [line for line in printed if line.startswith(("1/5", "2/5", "3-5/5")) or "\r" in line] == []


def test_the_demo_leaves_its_files(demo: Demo):
    out = demo.out
    (cassette,) = sorted((out / "cassettes").glob("*.yaml"))
    for folder in ("proxy", "verify-reference", "verify-faulty"):
        for name in ("report.json", "report.xml", "report.html"):
            assert (out / folder / name).stat().st_size > 0, f"{folder}/{name}"
    for name in ("report.json", "report.txt", "report.html"):
        assert (out / "migration" / name).stat().st_size > 0, name
    assert (out / "replay" / "junit.xml").is_file()
    # Every file named in the printed list is there, and the list names every file.
    listed = {line.strip() for line in demo.done.stdout.split(f"files in {out}/:", 1)[1].splitlines()[1:] if line}
    listed = {name for name in listed if not name.startswith(("every part", "some part"))}
    on_disk = {
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != ".assistants-contract-demo"
    }
    assert listed == on_disk
    # The cassette is the client's view (the recorded origin) and holds no key.
    recorded = yaml.safe_load(cassette.read_text())
    assert {i["request"]["uri"].split("/v1/", 1)[0] for i in recorded["interactions"]} == {"https://api.openai.com"}
    assert Redactor().text(cassette.read_text()) == cassette.read_text()


def test_every_operation_of_both_versions_went_through_the_proxy(demo: Demo):
    report = demo.json("proxy/report.json")
    for version, operations in (("v1", 28), ("v2", 23)):
        cover = report["coverage"][version]
        assert cover["operations_documented"] == operations
        unseen = [op for op, seen in cover["operations"].items() if seen["count"] == 0]
        assert unseen == [], version
    # The requests wrong on purpose, and only those, are the errors.
    errors = sorted((v["version"], v["operation_id"], v["code"], v["pointer"]) for v in report["violations"])
    assert errors == [
        ("v1", "createAssistant", "request.body.unknown_property", "/colour"),
        ("v2", "createAssistant", "request.body.schema", "/tools/0/type"),
        ("v2", "createAssistant", "request.body.unknown_property", "/file_ids"),
        ("v2", "listAssistants", "request.query.invalid", "/limit"),
    ]


def test_verify_passes_the_reference_server_and_fails_the_faulty_one(demo: Demo):
    reference, faulty = demo.json("verify-reference/report.json"), demo.json("verify-faulty/report.json")
    assert reference["failures"] == []
    assert set(reference["verdicts"]) == {"v1", "v2"}
    assert {verdict for ops in reference["verdicts"].values() for verdict in ops.values()} <= {"pass", "untested"}
    failed = {(f["version"], f["operation_id"]) for f in faulty["failures"]}
    assert ("v2", "createAssistant") in failed  # assistant-no-model
    assert faulty["verdicts"]["v2"]["getAssistant"] == "fail"


def test_the_cassette_replays_in_pytest_and_the_migration_lists_the_v1_usages(demo: Demo):
    junit = (demo.out / "replay" / "junit.xml").read_text()
    assert 'tests="2"' in junit and 'failures="0"' in junit and 'skipped="1"' in junit  # the xfail counts as skipped
    migration = demo.json("migration/report.json")["migration"]
    kinds = {r["kind"] for r in migration["replacements"]}
    assert {"assistant_file_ids", "message_file_ids", "retrieval_tool", "assistant_files_endpoint"} <= kinds
    assert migration["exchanges_to_change"] > 0


def test_the_demo_leaves_no_process_behind(demo: Demo):
    assert processes_of(demo.out) == []


class _Terminal:
    """The reading end of a pseudo-terminal a child writes to, read as far as a child has written."""

    def __init__(self) -> None:
        self.primary, self.secondary = pty.openpty()
        self.seen = ""

    def read_until(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.seen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.primary], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.primary, 65536)
            except OSError:  # every writer has closed its end
                break
            if not chunk:
                break
            self.seen += chunk.decode(errors="replace")
        return text in self.seen

    def close(self) -> None:
        for fd in (self.primary, self.secondary):
            with contextlib.suppress(OSError):
                os.close(fd)


def test_ctrl_c_stops_every_process_the_demo_started_and_the_live_line_goes(tmp_path: Path):
    # On a terminal (stderr a pseudo-terminal): the steps are one line rewritten in place, taken away before the
    # line that says the demo was interrupted.
    out = tmp_path / "demo-output"
    terminal = _Terminal()
    demo = subprocess.Popen([*DEMO, str(out)], stdout=subprocess.DEVNULL, stderr=terminal.secondary)
    try:
        assert terminal.read_until("\r2/5 the openai client, v1: threads", 120), terminal.seen[-2000:]
        assert processes_of(out), "the proxy should be running by now"
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)
        terminal.read_until("every process it started is stopped", 10)
    finally:
        if demo.poll() is None:
            demo.kill()
        terminal.close()
    assert demo.returncode == 2
    assert terminal.seen.startswith("\r1/5 the reference server, and the proxy in front of it"), terminal.seen[:200]
    live, _ = terminal.seen.split("demo: interrupted; every process it started is stopped", 1)
    assert "\n" not in live  # one line, redrawn
    assert re.search(r"\r +\r$", live), live[-300:]  # and blanked out before the message
    assert "Traceback" not in terminal.seen
    assert processes_of(out) == []


def test_the_demo_empties_only_a_folder_of_its_own(tmp_path: Path):
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    done = subprocess.run([*DEMO, str(precious)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "give --out an empty or new folder" in done.stderr
    assert (precious / "notes.txt").read_text() == "keep me"
