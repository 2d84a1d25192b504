"""The bundled cassettes (cassettes/): what they cover, that they hold no key, and that recording them again
gives the committed bytes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistants_contract.contract import Contract
from assistants_contract.record.session import DEFAULT_SEED, readme
from assistants_contract.record.tours import TOURS
from assistants_contract.sources import find_files, read_exchanges

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def checked(contract: Contract):
    """Every bundled exchange with the core's verdict and the file it came from."""
    return [(path, ex, contract.check(ex)) for path in find_files([CASSETTES]) for ex in read_exchanges(path)]


def test_every_operation_of_both_versions_is_recorded(contract, checked):
    seen = {(result.version, result.operation_id) for _, _, result in checked}
    for version, document in contract.documents.items():
        assert {(version, op) for op in document.operations} <= seen, version


def test_the_error_answers_streams_and_tool_calls_are_recorded(checked):
    for version in ("v1", "v2"):
        mine = [(ex, result) for path, ex, result in checked if path.parent.name == version]
        statuses = {ex.response.status for ex, _ in mine}
        assert {200, 400, 401, 404} <= statuses, version
        streams = [ex for ex, _ in mine if ex.response.headers.get("content-type", "").startswith("text/event-stream")]
        assert len(streams) >= 3 and all(ex.response.body.rstrip().endswith(b"data: [DONE]") for ex in streams)
        assert any(b'"status":"requires_action"' in (ex.response.body or b"") for ex, _ in mine)
        assert any(b'"status":"cancelled"' in (ex.response.body or b"") for ex, _ in mine)
        # Only the errors tour breaks the contract, on purpose; every answer conforms.
        broken = {path.name for path, ex, result in checked if path.parent.name == version and not result.ok}
        assert broken == {"errors.yaml"}
        assert all(v.side == "request" for _, _, r in checked for v in r.violations if v.severity == "error")


def test_no_key_reaches_a_cassette():
    # They were made with a key of the recording's own and a wrong key for the 401; both are redacted.
    for name, data in _files(CASSETTES).items():
        text = data.decode()
        assert re.findall(r"sk-(?!REDACTED)[A-Za-z0-9_-]{8,}", text) == [], name
        assert re.findall(r"Bearer (?!sk-REDACTED)[A-Za-z0-9._~+/-]{16,}", text) == [], name


def test_the_readme_lists_every_file():
    listed = set(re.findall(r"`(v[12]/[a-z-]+\.yaml)`", (CASSETTES / "README.md").read_text()))
    assert listed == {name for name in _files(CASSETTES) if name.endswith(".yaml")}
    assert len(listed) == sum(len(tour.versions) for tour in TOURS)


def test_recording_again_with_make_cassettes_gives_the_committed_bytes(tmp_path):
    # `make cassettes` into a folder of the test's (with this checkout's .venv, so its install step has nothing to
    # do): through the proxy, against the deterministic reference server.
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "assistants-contract").exists():
        pytest.skip("`make cassettes` needs make and this checkout's .venv")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "cassettes", f"CASSETTES_OUT={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    committed = _files(CASSETTES)
    recorded = [line for line in done.stdout.splitlines() if line.startswith("recorded ")]
    assert len(recorded) == len(committed) - 1  # a line per cassette written (and README.md)
    assert done.stdout.splitlines()[-1] == f"record-cassettes: {len(committed) - 1} cassettes in {tmp_path}"
    # Output to pipes, as in CI: the live counter of tours is not drawn.
    assert "tour" not in done.stderr and "\r" not in done.stdout + done.stderr
    again = _files(tmp_path)
    assert sorted(again) == sorted(committed)
    changed = [name for name in committed if again[name] != committed[name]]
    assert changed == [], "re-recorded cassettes differ from the committed ones: run `make cassettes`"
    assert again["README.md"].decode() == readme(DEFAULT_SEED)


def test_lint_of_the_cassettes_finds_only_the_errors_recorded_on_purpose():
    # The drift gate: a change to the contract that a recorded exchange no longer meets shows up here as a new
    # error. The errors tour's requests break the contract on purpose, so lint exits 1 with exactly those.
    command = [str(Path(sys.executable).parent / "assistants-contract"), "lint", str(CASSETTES), "--format", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    report = json.loads(completed.stdout)
    errors = sorted(
        (Path(v["source"]["file"]).parent.name, Path(v["source"]["file"]).name, v["code"], v["side"])
        for v in report["violations"]
        if v["severity"] == "error"
    )
    deliberate = [
        "request.body.schema",
        "request.body.unknown_property",
        "request.header.missing",
        "request.path.invalid",
    ]
    assert errors == sorted(
        (version, "errors.yaml", code, "request") for version in ("v1", "v2") for code in deliberate
    )
    assert completed.returncode == 1, completed.stderr
    assert report["exchanges"] == 152
