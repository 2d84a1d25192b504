"""`assistants-contract demo` (`make demo`): the product's main job, end to end, on this machine alone.

1. The reference server starts (in its deterministic mode), and the proxy in front of it, as a user runs it
   (`assistants-contract proxy`, a child process), recording a cassette and writing its reports.
2. The official `openai` client drives every operation of v1 and of v2 through the proxy (`traffic.py`), a
   streamed run and a tool-call run among them, and a few requests that break the contract on purpose.
3. `verify --api-version both` runs against the reference server (it conforms) and against one with faults
   switched on (it does not), each with its reports: `serve` and `verify` child processes.
4. The recorded cassette is replayed in pytest with `@pytest.mark.assistants_cassette` (a pytest child process).
5. The v1 traffic of the cassette is checked for what must change to move to v2.

Steps 3 to 5 run side by side (the two cores do the two verify runs), so the whole takes about a minute.

Everything is left in one folder (default `demo-output/`); one summary is printed. Every process and server it
started is stopped on the way out, on an error and on Ctrl-C too.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai import OpenAI  # the demo's own dependency (the `demo` extra)

from ..proxy.process import ProxyFailed, ProxyProcess
from .traffic import WRONG_ON_PURPOSE, drive

__all__ = ["DemoOutcome", "FAULTS", "run_demo"]

ORIGIN = "https://api.openai.com"
SEED = 1
FAULTS = ("assistant-no-model", "stream-no-done")  # what the faulty server gets wrong
# A quick verify: 3 cases an operation and phase (`verify` defaults to 25), and no coverage phase, whose some
# 5,400 boundary cases take most of a minute; `verify` runs it by default.
VERIFY_EXAMPLES = 3
VERIFY_STAGES = "examples,fuzzing,stateful,scenarios"
_CHILD_TIMEOUT = 300  # seconds a verify or the pytest run may take


class DemoFailed(RuntimeError):
    """A part of the demo could not run at all."""


@dataclass
class Part:
    """One part's verdict for the summary: what was expected of it, and whether it came out that way."""

    name: str
    lines: list[str]
    as_expected: bool
    seconds: float = 0.0


@dataclass
class DemoOutcome:
    out: Path
    parts: list[Part] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def as_expected(self) -> bool:
        return all(part.as_expected for part in self.parts)


def run_demo(out: Path, *, progress: Callable[[str], None] = print) -> DemoOutcome:
    """Run the demo into `out` (emptied first); raises DemoFailed when a part cannot run.

    `progress` gets a line at each step; each says where the demo is on its own (the command shows them on one
    live line, rewritten in place, and not at all off a terminal). The summary is `render(outcome)`.
    """
    from ..server import create_app
    from ..server.threaded import serve_in_thread

    started = time.monotonic()
    out = out.resolve()  # the child processes run in folders of their own
    _fresh(out)
    outcome = DemoOutcome(out)
    key = "sk-demo-" + secrets.token_hex(16)  # made up: the reference server takes any key, the proxy redacts it
    progress("1/5 the reference server, and the proxy in front of it")
    with serve_in_thread(create_app(seed=SEED), server_headers=False) as root, _stopped(_proxy(root, out)) as proxy:
        proxy.start()
        try:
            proxy.wait_until_listening()
        except ProxyFailed as e:
            raise DemoFailed(str(e)) from None
        progress(f"2/5 the openai client through the proxy at {proxy.url}")
        client = OpenAI(base_url=proxy.url, api_key=key, max_retries=0, timeout=30)
        for version in ("v1", "v2"):
            drive(client, version, say=lambda line: progress(f"2/5 the openai client, {line}"))
        client.close()
        proxy.interrupt()
        try:
            status = proxy.wait()
        except ProxyFailed as e:
            raise DemoFailed(str(e)) from None
    outcome.parts.append(_proxy_part(out, status, time.monotonic() - started))
    progress("3-5/5 side by side: verify (reference and faulty server), replay in pytest, migration")
    with _Children() as children:
        reference = _Verify(children, out / "verify-reference", ())
        faulty = _Verify(children, out / "verify-faulty", FAULTS)
        replay = _Replay(children, out)
        migration = _migration_part(out)  # in this process, while the children run
        parts = [reference.part(expect_failures=False), faulty.part(expect_failures=True), replay.part(), migration]
    outcome.parts.extend(parts)
    outcome.files = sorted(
        p for p in out.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.name != _MARK
    )
    outcome.seconds = time.monotonic() - started
    return outcome


_MARK = ".assistants-contract-demo"  # what says a folder is the demo's own, to empty


def _fresh(out: Path) -> None:
    """Make `out` empty: a folder of an earlier demo is emptied, any other folder must be empty already."""
    if out.exists():
        if not out.is_dir():
            raise DemoFailed(f"{out} is not a folder")
        if (out / _MARK).is_file():
            shutil.rmtree(out)
        elif any(out.iterdir()):
            raise DemoFailed(f"{out} holds files of something else than the demo: give --out an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / _MARK).write_text("made by assistants-contract demo; emptied by the next run\n")


@contextlib.contextmanager
def _stopped(proxy: ProxyProcess) -> Iterator[ProxyProcess]:
    try:
        yield proxy
    finally:
        proxy.kill()  # a no-op once it has exited


def _proxy(upstream: str, out: Path) -> ProxyProcess:
    options = ["--record", str(out / "cassettes"), "--record-origin", ORIGIN, "--report", str(out / "proxy")]
    return ProxyProcess(upstream, options, out / "proxy" / "proxy.log")


def cassette(out: Path) -> Path:
    """The one cassette the demo's proxy recorded."""
    found = sorted((out / "cassettes").glob("*.yaml"))
    if len(found) != 1:
        raise DemoFailed(f"the proxy wrote {len(found)} cassettes into {out / 'cassettes'}, not one")
    return found[0]


# --- 1 and 2: the proxy ---------------------------------------------------------------------------------------


def _proxy_part(out: Path, status: int, seconds: float) -> Part:
    report = _read_json(out / "proxy" / "report.json")
    lines = [f"{report['exchanges']} exchanges recorded into {cassette(out)}"]
    complete = True
    for version, cover in sorted(report["coverage"].items()):
        seen, documented = cover["operations_seen"], cover["operations_documented"]
        complete = complete and seen == documented
        statuses: dict[str, int] = {}
        for op in cover["operations"].values():
            for code, n in op["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        listed = ", ".join(f"{code} x{n}" for code, n in sorted(statuses.items()))
        lines.append(f"{version}: {seen}/{documented} operations seen ({100 * seen // max(documented, 1)} %); {listed}")
    codes: dict[str, int] = {}
    for v in report["violations"]:
        if v["severity"] == "error":
            codes[v["code"]] = codes.get(v["code"], 0) + 1
    lines.append(
        f"{report['errors']} contract errors (sent on purpose), {report['warnings']} warnings: "
        + (", ".join(f"{code} x{n}" for code, n in sorted(codes.items())) or "none")
    )
    lines.append(f"proxy exit status {status} (1: errors seen)")
    as_expected = complete and report["errors"] >= len(WRONG_ON_PURPOSE) and status == 1
    return Part("proxy", lines, as_expected, seconds)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise DemoFailed(f"cannot read {path}: {e}") from None


# --- 3: verify ------------------------------------------------------------------------------------------------


class _Children:
    """The child processes of steps 3 to 5: each in its own process group, all stopped when the block ends
    (normally they have exited by then; on an error or Ctrl-C they are killed)."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> _Children:
        return self

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def start(self, argv: list[str], log: Path, *, cwd: Path | None = None, stdout: int | None = None) -> Any:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as sink:
            process = subprocess.Popen(
                argv, stdout=sink if stdout is None else stdout, stderr=sink, cwd=cwd, start_new_session=True
            )
        self.processes.append(process)
        return process


def _command(*words: str) -> list[str]:
    return [sys.executable, "-m", "assistants_contract", *words]


class _Verify:
    """`assistants-contract serve` (with the faults) on a free port and `verify` against it, as a user runs them."""

    def __init__(self, children: _Children, folder: Path, faults: tuple[str, ...]) -> None:
        self.folder, self.faults, self.log = folder, faults, folder / "verify.log"
        key = "sk-demo-" + secrets.token_hex(16)  # the only key the server takes: verify checks others get 401
        argv = _command("serve", "--port", "0", "--api-key", key)
        for fault in faults:
            argv += ["--fault", fault]
        self.server = children.start(argv, folder / "server.log", cwd=folder, stdout=subprocess.PIPE)
        banner = self.server.stdout.readline().decode(errors="replace")  # it binds, then says where
        url = next((word for word in banner.split() if word.startswith("http://")), None)
        if url is None:
            raise DemoFailed(f"the server for verify did not start: {banner or (folder / 'server.log').read_text()}")
        threading.Thread(target=self.server.stdout.read, daemon=True).start()  # the pipe never fills
        argv = _command("verify", "--url", url, "--api-version", "both", "--api-key", key, "--seed", str(SEED))
        argv += ["--phases", VERIFY_STAGES, "--max-examples", str(VERIFY_EXAMPLES)]
        for name, flag in (("report.json", "--json"), ("report.xml", "--junit"), ("report.html", "--html")):
            argv += [flag, str(folder / name)]
        self.verify = children.start(argv, self.log, cwd=folder)
        self.started = time.monotonic()

    def part(self, *, expect_failures: bool) -> Part:
        try:
            status = self.verify.wait(timeout=_CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise DemoFailed(f"verify did not finish within {_CHILD_TIMEOUT} s; its log: {self.log}") from None
        seconds = time.monotonic() - self.started
        self.server.send_signal(signal.SIGINT)
        if status not in (0, 1):
            raise DemoFailed(f"verify could not run (exit {status}): {self.log.read_text()[-2000:]}")
        report = _read_json(self.folder / "report.json")
        failed = sorted({(f["version"], f["operation_id"] or "-", f["check"]) for f in report["failures"]})
        against = f"the server with {', '.join(self.faults)}" if self.faults else "the reference server"
        verdict = "does not conform" if status == 1 else "conforms"
        lines = [f"{against} {verdict}: {len(report['failures'])} failures (exit {status})"]
        for version, operation, check in failed[:6]:
            lines.append(f"  {version} {operation}: {check}")
        if len(failed) > 6:
            lines.append(f"  ... and {len(failed) - 6} more, in {self.folder / 'report.html'}")
        name = f"verify ({'faulty' if self.faults else 'reference'})"
        return Part(name, lines, (status == 1) == expect_failures, seconds)


# --- 4: replay in pytest --------------------------------------------------------------------------------------

_REPLAY_TEST = '''\
"""Written by `assistants-contract demo`: the demo's traffic replayed from its cassette, no server needed.

The marker plays the cassette with vcrpy and checks every request the client sends against the contract.
"""

import pytest
from openai import BadRequestError, OpenAI

from assistants_contract.demo.traffic import drive

CASSETTE = {cassette!r}


def client():
    # The recorded origin: vcrpy answers before anything leaves the machine.
    return OpenAI(base_url="{origin}/v1", api_key="sk-demo-replay", max_retries=0)


@pytest.mark.assistants_cassette(CASSETTE)
def test_the_app_replays_its_recorded_traffic():
    drive(client(), "v1", wrong_on_purpose=False)
    drive(client(), "v2", wrong_on_purpose=False)


@pytest.mark.xfail(strict=True, reason="file_ids on v2 breaks the contract: the marker fails the test")
@pytest.mark.assistants_cassette(CASSETTE)
def test_a_v1_habit_on_v2_fails_even_though_the_cassette_answers_it():
    with pytest.raises(BadRequestError):
        client().beta.assistants.create(
            model="gpt-4o",
            name="Demo v1 habit",
            extra_body={{"file_ids": ["file-demoS9t0U1v2W3x4"]}},
            extra_headers={{"OpenAI-Beta": "assistants=v2"}},
        )
'''


class _Replay:
    """pytest on a test file written for the demo's cassette, as a child process."""

    def __init__(self, children: _Children, out: Path) -> None:
        self.folder = folder = out / "replay"
        folder.mkdir(parents=True, exist_ok=True)
        test = folder / "test_demo_replay.py"
        test.write_text(_REPLAY_TEST.format(cassette=str(cassette(out).resolve()), origin=ORIGIN))
        argv = [sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider", "--rootdir", str(folder)]
        argv += ["--junitxml", str(folder / "junit.xml")]
        self.log = folder / "pytest.log"
        self.pytest = children.start(argv, self.log, cwd=folder)
        self.started = time.monotonic()

    def part(self) -> Part:
        try:
            status = self.pytest.wait(timeout=_CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise DemoFailed(f"pytest did not finish within {_CHILD_TIMEOUT} s; its log: {self.log}") from None
        seconds = time.monotonic() - self.started
        said = self.log.read_text(errors="replace").strip().splitlines()
        last = next((line.strip("= ") for line in reversed(said) if " in " in line), "(no summary line)")
        lines = [f"pytest: {last} (exit {status}); the log in {self.log}"]
        return Part("replay", lines, status == 0, seconds)


# --- 5: v1 -> v2 ------------------------------------------------------------------------------------------------


def _migration_part(out: Path) -> Part:
    from ..migration import migrate_files
    from ..migration import text as migration_text
    from ..record.cassette import write_atomically
    from ..report import html, json_report

    started = time.monotonic()
    run = migrate_files([cassette(out)], api_version="v1")
    if run.errors:
        raise DemoFailed(f"the migration check could not read the cassette: {run.errors[0]}")
    folder = out / "migration"
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "report.json", json_report.serialize(run.summary))
    write_atomically(folder / "report.txt", migration_text.render(run.summary))
    write_atomically(folder / "report.html", html.serialize(run.summary))
    migration = run.summary.migration
    assert migration is not None
    kinds: dict[str, int] = {}
    for r in migration.replacements:
        kinds[r.kind] = kinds.get(r.kind, 0) + r.count
    lines = [
        f"{migration.v1_exchanges} v1 exchanges, {len(migration.changes)} to change for v2, in"
        f" {folder / 'report.txt'}:",
        "  " + ", ".join(f"{kind} x{n}" for kind, n in kinds.items()),
    ]
    expected = {"assistant_file_ids", "message_file_ids", "retrieval_tool", "assistant_files_endpoint"}
    return Part("migration", lines, expected <= set(kinds), time.monotonic() - started)


# --- the summary ------------------------------------------------------------------------------------------------


def render(outcome: DemoOutcome) -> str:
    lines = ["", "assistants-contract demo: the summary", ""]
    for part in outcome.parts:
        mark = "as expected" if part.as_expected else "NOT AS EXPECTED"
        lines.append(f"{part.name}: {mark} ({part.seconds:.1f} s)")
        lines.extend(f"  {line}" for line in part.lines)
    lines.append("")
    lines.append(f"files in {outcome.out}/:")
    for path in outcome.files:
        lines.append(f"  {path.relative_to(outcome.out)}")
    verdict = "every part came out as expected" if outcome.as_expected else "some part did NOT come out as expected"
    lines.append("")
    lines.append(f"{verdict}, in {outcome.seconds:.0f} s")
    return "\n".join(lines) + "\n"
