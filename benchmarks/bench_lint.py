"""Speed and memory of `assistants-contract lint` over a large archive. Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_lint.py [--interactions 100000] [--parts 8] [--no-vcrpy] [--quick]

Writes, in a temporary folder, a cassette of `--interactions` interactions in the proxy's format, through the
proxy's own writer (`record/cassette.py`: `interaction`, `CassetteFile`): the bundled cassettes' tours (every
operation of both versions, streams, list pages, polled runs, the errors tour) again and again, each copy with ids
of its own, so a copy's requests differ from another's and only a tour's own polls repeat. The same interactions are
also split over `--parts` files in a folder, a copy of the tours a file at a time.

Then runs `lint --format json` as a process (its report to a file) on:
- the one file, read a line at a time (the default), and through vcrpy (`--reader vcrpy`, as lint read every file
  before the line reader), and says whether the two reports are identical; vcrpy refuses a file larger than
  `sources.limits.MAX_FILE_BYTES` (64 MB) read whole, so past that it reads the folder of parts instead, and its
  report is compared with the line reader's of the same folder;
- the one file with `--jobs 2` (checked in pieces of lines by two processes);
- the folder of parts with `--jobs 1` and `--jobs 2` (a file a process).
For each: wall time, interactions per second, CPU seconds, and peak memory: the largest single process (its peak
RSS, from getrusage of the children) and the whole process tree (the sum of their proportional set sizes, sampled
every 50 ms, so that pages forked workers share count once), each also as a multiple of the data's size. Targets
from the issue: at least 10,000 interactions/s, peak memory at most 2x the file. The process figures include what
every command pays (starting Python, imports, compiling the contract: 1-2 s here) and writing the report.
The default, 100,000 interactions, is ~174 MB, about the archive of the issue (200 MB, 98,689 interactions).
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from assistants_contract import CheckResult, Contract, Exchange, Headers
from assistants_contract.record.cassette import CassetteFile, interaction
from assistants_contract.sources import find_files, read_exchanges
from assistants_contract.sources.limits import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "assistants_contract", "lint", "--format", "json"]
_ID = re.compile(rb"(asst_|thread_|run_|msg_|step_|call_|file-|req_)([A-Za-z0-9]{20,})")  # not step_details
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Runs the command with its stdout to a file and prints the children's usage: maxrss is per process, the largest.
_WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    rc = subprocess.call(sys.argv[2:], stdout=out)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'rc': rc, 'maxrss_kb': u.ru_maxrss, 'cpu': u.ru_utime + u.ru_stime}))\n"
)

Tour = list[tuple[Exchange, CheckResult]]
_RENAMED: dict[tuple[int, bytes], bytes] = {}


def tours(contract: Contract) -> list[Tour]:
    """The bundled cassettes, a tour a file, each exchange with the verdict the proxy would record."""
    return [[(e, contract.check(e)) for e in read_exchanges(p)] for p in find_files([ROOT / "cassettes"])]


def renamed(exchange: Exchange, copy: int) -> Exchange:
    """The exchange with every id (`asst_...`, `run_...`, `req_...`) replaced by one of the same length for this copy:
    the same shapes and sizes, other requests."""

    def new_id(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        new = _RENAMED.get((copy, old))
        if new is None:
            digest = hashlib.blake2b(old + copy.to_bytes(4, "big"), digest_size=32).digest()
            new = _RENAMED[copy, old] = m.group(1) + bytes(
                _ALPHABET[b % len(_ALPHABET)] for b in digest[: len(m.group(2))]
            )
        return new

    def text(value: str) -> str:
        return _ID.sub(new_id, value.encode("utf-8")).decode("utf-8")

    def body(value: bytes | None) -> bytes | None:
        return None if value is None else _ID.sub(new_id, value)

    request, response = exchange.request, exchange.response
    assert response is not None
    return replace(
        exchange,
        request=replace(request, url=text(request.url), body=body(request.body)),
        response=replace(
            response,
            headers=Headers((k, text(v)) for k, v in response.headers.items()),
            body=body(response.body),
        ),
    )


def write(path: Path, all_tours: list[Tour], copies: range, limit: int) -> int:
    """Copies of the tours into one cassette through the proxy's writer, at most `limit` interactions."""
    cassette = CassetteFile(path)
    written = 0
    for copy in copies:
        for tour in all_tours:
            for exchange, result in tour:
                if written == limit:
                    break
                cassette.add(interaction(renamed(exchange, copy), result))
                written += 1
    cassette.close()
    return written


def tree_pss_kb(root: int) -> int:
    """Memory of `root`'s descendants (not `root` itself), from /proc: the proportional set size, so pages forked
    workers share with their parent count once, not once a process."""
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        children = []
        for task in Path(f"/proc/{pid}/task").glob("*/children"):  # a child belongs to the thread that made it
            try:
                children += [int(c) for c in task.read_text().split()]
            except OSError:
                continue
        for child in children:
            try:
                rollup = Path(f"/proc/{child}/smaps_rollup").read_text()
            except OSError:
                continue
            found = re.search(r"^Pss:\s+(\d+)", rollup, re.M)
            total += int(found.group(1)) if found else 0
            frontier.append(child)
    return total


def run(label: str, args: list[str], out: Path, interactions: int, size: int) -> None:
    process = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(out), *CLI, *args], stdout=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    usage = json.loads(stdout)
    mb = size / 1e6
    print(
        f"{label:34} {wall:7.1f} s  {interactions / wall:8,.0f} interactions/s  cpu {usage['cpu']:6.1f} s"
        f"  peak process {usage['maxrss_kb'] / 1e3:6.0f} MB ({usage['maxrss_kb'] * 1e3 / size:4.2f}x)"
        f"  tree PSS {peak[0] / 1e3:6.0f} MB ({peak[0] * 1e3 / size:4.2f}x)  exit {usage['rc']}"
        f"  [{mb:.0f} MB data]",
        flush=True,
    )


def _same(a: Path, b: Path) -> str:
    return "yes" if filecmp.cmp(a, b, shallow=False) else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=8, help="files the folder splits the interactions into")
    parser.add_argument("--no-vcrpy", action="store_true", help="skip the run through vcrpy (slow, GBs of memory)")
    parser.add_argument("--keep", type=Path, default=None, help="write the files here and keep them")
    parser.add_argument(
        "--quick", action="store_true", help="300 interactions, 2 parts: a smoke run, its numbers mean nothing"
    )
    options = parser.parse_args()
    if options.quick:
        options.interactions, options.parts = 300, 2

    contract = Contract.load()
    all_tours = tours(contract)
    per_copy = sum(len(t) for t in all_tours)
    copies = -(-options.interactions // per_copy)
    with tempfile.TemporaryDirectory() as tmp:
        root = options.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        big = root / "archive.yaml"
        started = time.perf_counter()
        n = write(big, all_tours, range(copies), options.interactions)
        parts = root / "parts"
        parts.mkdir(exist_ok=True)
        split = [range(k, copies, options.parts) for k in range(options.parts)]
        left = n
        for k, part_copies in enumerate(split):
            left -= write(parts / f"part-{k:02}.yaml", all_tours, part_copies, min(left, len(part_copies) * per_copy))
        size = big.stat().st_size
        folder_size = sum(p.stat().st_size for p in parts.iterdir())
        print(
            f"{n:,} interactions ({per_copy} a copy of the bundled tours, {copies} copies), one file of"
            f" {size / 1e6:.0f} MB and {options.parts} parts of {folder_size / 1e6:.0f} MB;"
            f" written in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        fast, slow, pieces = root / "fast.json", root / "vcrpy.json", root / "pieces.json"
        run("one file, line reader", [str(big)], fast, n, size)
        vcrpy_reads_whole = not options.no_vcrpy and size <= MAX_FILE_BYTES
        if vcrpy_reads_whole:
            run("one file, vcrpy (--reader vcrpy)", ["--reader", "vcrpy", str(big)], slow, n, size)
            print(f"line reader and vcrpy reports identical: {_same(fast, slow)}")
        run("one file, --jobs 2 (in pieces)", ["--jobs", "2", str(big)], pieces, n, size)
        print(f"--jobs 2 and --jobs 1 reports identical: {_same(fast, pieces)}")
        one, two = root / "jobs1.json", root / "jobs2.json"
        run(f"{options.parts} files, --jobs 1", ["--jobs", "1", str(parts)], one, n, folder_size)
        run(f"{options.parts} files, --jobs 2", ["--jobs", "2", str(parts)], two, n, folder_size)
        print(f"--jobs 1 and --jobs 2 reports identical: {_same(one, two)}")
        if not options.no_vcrpy and not vcrpy_reads_whole:
            largest = max(p.stat().st_size for p in parts.iterdir())
            if largest <= MAX_FILE_BYTES:
                label = f"{options.parts} files, vcrpy (--reader vcrpy)"
                run(label, ["--reader", "vcrpy", "--jobs", "1", str(parts)], slow, n, folder_size)
                print(f"line reader and vcrpy reports identical: {_same(one, slow)} (the {options.parts} files)")
            else:
                print(f"line reader and vcrpy: not compared, a part is over the {MAX_FILE_BYTES >> 20} MB vcrpy reads")
        report = json.loads(fast.read_text())
        codes: dict[str, int] = {}
        for v in report["violations"]:
            codes[v["code"]] = codes.get(v["code"], 0) + 1
        totals = f"{report['exchanges']:,} exchanges, {report['errors']:,} errors, {report['warnings']:,} warnings"
        print(f"report: {totals}")
        print("  " + ", ".join(f"{code} {count:,}" for code, count in sorted(codes.items())))


if __name__ == "__main__":
    main()
