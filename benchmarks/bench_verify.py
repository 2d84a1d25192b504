"""How long `assistants-contract verify` takes, and what the quick setting still catches. Prints numbers; asserts
nothing.

    .venv/bin/python benchmarks/bench_verify.py [--faults] [--quick]

The reference server runs as `assistants-contract serve --api-key ...` in its own process; `verify` runs as
the installed command, as a user runs it, and its JSON report gives the case counts. It prints:
- `verify --api-version both` at the default settings: wall time, cases, per-stage times (target: at most
  3 minutes on 2 cores);
- the same with the smoke setting (`--phases fuzzing,stateful,scenarios --max-examples 3`), for CI;
- with `--faults`: the smoke setting against `serve --fault NAME` for every fault of the catalog, two servers at
  a time: how many make verify exit 1 naming an operation the fault breaks (the detection rate), and how long
  the catalog takes.
With `--quick` (the smoke test's): only the smoke setting, for v2 alone at 1 case an operation and phase, and
with `--faults` only the first two faults of the catalog; its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from assistants_contract.server.faults import FAULTS

KEY = "sk-bench-verify-0000000000000000"
SMOKE = ["--phases", "fuzzing,stateful,scenarios", "--max-examples", "3"]
QUICK = ["--phases", "scenarios", "--max-examples", "1"]
CLI = [sys.executable, "-m", "assistants_contract"]


@contextmanager
def server(*args: str):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*CLI, "serve", "--port", str(port), "--api-key", KEY, *args], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"serve {' '.join(args)} did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def verify(url: str, *args: str) -> tuple[int, float, dict]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        started = time.perf_counter()
        command = [*CLI, "verify", "--url", url, "--api-key", KEY, "--seed", "1", "--json", str(report), *args]
        completed = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - started
        return completed.returncode, wall, json.loads(report.read_text()) if report.exists() else {}


def show(label: str, returncode: int, wall: float, report: dict) -> None:
    run = report.get("run", {})
    print(f"{label}: exit {returncode}, {wall:.1f} s wall, {run.get('cases', 0)} cases")
    for stage in run.get("stage_times", []):
        print(f"    {stage['version']} {stage['stage']:9} {stage['cases']:6} cases {stage['seconds']:6.1f} s")


def detected(name: str, smoke: list[str]) -> tuple[str, bool, float]:
    with server("--fault", name) as url:
        returncode, wall, report = verify(url, *smoke)
    operations = set(FAULTS[name].operations)
    named = any(f["operation_id"] in operations for f in report.get("failures", []))
    return name, returncode == 1 and named, wall


def main() -> None:
    parser = argparse.ArgumentParser(description="How long verify takes; prints numbers.")
    parser.add_argument("--faults", action="store_true", help="also the smoke setting against every fault")
    parser.add_argument("--quick", action="store_true", help="the smallest size: a smoke run, its numbers mean nothing")
    args = parser.parse_args()
    smoke, faults = (QUICK, list(FAULTS)[:2]) if args.quick else (SMOKE, list(FAULTS))
    with server() as url:
        if not args.quick:
            show("verify, default settings", *verify(url, "--api-version", "both"))
        show("verify, smoke setting   ", *verify(url, "--api-version", "v2" if args.quick else "both", *smoke))
    if args.faults:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda name: detected(name, smoke), faults))
        caught = [name for name, ok, _ in results if ok]
        print(
            f"fault catalog, smoke setting: {len(caught)}/{len(results)} detected"
            f" ({len(caught) / len(results):.0%}) in {time.perf_counter() - started:.0f} s"
            f" (per fault {min(w for *_, w in results):.1f}-{max(w for *_, w in results):.1f} s)"
        )
        for name, ok, _ in results:
            if not ok:
                print(f"    missed: {name}")


if __name__ == "__main__":
    main()
