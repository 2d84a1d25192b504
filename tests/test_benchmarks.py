"""`make bench`, as a smoke run: every benchmark script at its smallest size (`BENCH_ARGS=--quick`) exits 0 and
prints its figures. The figures themselves are not judged: on a shared machine they are noise at this size, and
speed belongs to the scripts' full runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"[\d,.]+"

# What each script prints when it ran through, as patterns of its lines: a new script needs its own entry.
FIGURES = {
    "bench_core.py": [
        rf"load \+ compile both contracts: median {NUMBER} ms",
        rf"full exchange check, run object: +{NUMBER} /s",
        rf"stream check, 53 events in 512-byte chunks: {NUMBER} streams/s",
    ],
    "bench_lint.py": [
        rf"one file, line reader +{NUMBER} s +{NUMBER} interactions/s",
        "line reader and vcrpy reports identical: yes",
        "--jobs 2 and --jobs 1 reports identical: yes",
        "--jobs 1 and --jobs 2 reports identical: yes",
    ],
    "bench_proxy.py": [
        rf"addon\+rec\+rep +getAssistant +p50 +{NUMBER} ms +p99 +{NUMBER} ms",
        rf"addon/bare throughput +{NUMBER}x median",
        rf"addon\+rec\+rep +{NUMBER} req/s .* cpu {NUMBER} ms/req",
        rf"addon\+rec\+rep +first SSE event +p50 +{NUMBER} ms",
    ],
    "bench_replay.py": [
        rf"process start -> listening: median {NUMBER} ms, -> first answer: median {NUMBER} ms",
        rf"replay / serve: p50 {NUMBER}x, p99 {NUMBER}x",
    ],
    "bench_server.py": [
        rf"getAssistant +{NUMBER} req/s +p50 +{NUMBER} ms",
        r"over loopback \(uvicorn \+ httpx keep-alive\), self_check=on:",
    ],
    "bench_verify.py": [
        rf"verify, smoke setting +: exit 0, {NUMBER} s wall, {NUMBER} cases",
    ],
}


def _sections(stdout: str) -> dict[str, str]:
    """Each script's output, by its name, from `make bench`'s `== benchmarks/<script>` headers."""
    parts = re.split(r"^== benchmarks/(\S+)$", stdout, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_make_bench_quick_runs_every_script_and_each_prints_its_figures():
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("`make bench` needs make and this checkout's .venv")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "bench", "BENCH_ARGS=--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    sections = _sections(done.stdout)
    scripts = sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py"))
    assert sorted(sections) == scripts
    assert sorted(FIGURES) == scripts, "a benchmark script without its figures in FIGURES"
    missing = [
        f"{script}: {pattern}"
        for script, patterns in FIGURES.items()
        for pattern in patterns
        if not re.search(pattern, sections[script])
    ]
    assert missing == [], done.stdout
