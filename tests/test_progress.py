"""The live progress line: on a terminal a counter rewritten in place, off one nothing at all."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from assistants_contract.report.progress import LiveLine

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"


def test_a_live_line_is_rewritten_in_place_and_kept_at_the_end():
    out = io.StringIO()
    line = LiveLine(out, enabled=True)
    line.show("lint: 1/3 files")
    line.show("lint: 2/3 files")  # within a tenth of a second: not drawn
    line.show("lint: 3/3", force=True)
    line.end()
    # The shorter last text pads over the longer one before it.
    assert out.getvalue() == "\rlint: 1/3 files\rlint: 3/3      \n"


def test_a_cleared_line_leaves_nothing_and_off_a_terminal_nothing_is_written():
    out = io.StringIO()
    line = LiveLine(out, enabled=True)
    line.show("record-cassettes: tour 1/18")
    line.clear()
    assert out.getvalue() == "\rrecord-cassettes: tour 1/18\r" + " " * 27 + "\r"
    quiet = io.StringIO()  # StringIO is no terminal
    line = LiveLine(quiet)
    line.show("anything", force=True)
    line.end()
    assert quiet.getvalue() == ""


def test_a_live_line_finds_out_by_itself_whether_it_writes_to_a_terminal():
    primary, secondary = pty.openpty()
    with open(secondary, "w", closefd=True) as on_terminal:
        line = LiveLine(on_terminal)
        line.show("verify: 3/40 cases", force=True)
        line.clear()
    drawn = _read_all(primary).decode()
    assert line.enabled and drawn == "\rverify: 3/40 cases\r" + " " * 18 + "\r"
    read_end, write_end = os.pipe()
    with open(write_end, "w") as in_a_pipe:
        line = LiveLine(in_a_pipe)
        line.show("verify: 3/40 cases", force=True)
        line.end()
    with open(read_end) as piped:
        assert not line.enabled and piped.read() == ""


def _read_all(primary: int) -> bytes:
    """What was written to a pseudo-terminal whose other end is closed; closes this end too."""
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the other end is closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    return b"".join(chunks)


def _lint_stderr(*, terminal: bool) -> str:
    argv = [sys.executable, "-m", "assistants_contract", "lint", str(CASSETTES / "v2"), "--format", "json"]
    if not terminal:
        return subprocess.run(argv, capture_output=True, text=True, timeout=120).stderr
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=secondary, timeout=120)
    finally:
        os.close(secondary)
        written = _read_all(primary).decode()
    assert done.returncode == 1  # the errors cassette's deliberate errors
    return written


def test_lint_counts_files_on_a_terminal_and_says_nothing_in_a_pipe():
    on_terminal = _lint_stderr(terminal=True)
    files = len(list((CASSETTES / "v2").glob("*.yaml")))
    assert f"lint: {files}/{files} files" in on_terminal
    assert on_terminal.endswith("\r")  # and taken away before the process ends
    assert _lint_stderr(terminal=False) == ""
