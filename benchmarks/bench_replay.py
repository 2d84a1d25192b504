"""Start-up and answer time of the replay server. Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_replay.py [--quick]

Records 20 cassettes of a conversation each (assistant, thread, message, a streamed run, a polled run, the
message list) from the reference server in-process, then measures: reading and indexing them
(`load_cassettes` + `Playback`), and `assistants-contract replay` as a process, from its start to the line
saying it listens and to its first answer. Target from the replay issue: start-up with ~20 cassettes well under
1 s. The process figure includes what every command pays (the interpreter, the CLI's imports, compiling the
contract; see bench_core.py for the last), so the replay's own share is the first figure. It is taken twice: in
this environment as it is, and with the package's bytecode cached (in a temporary folder), as an installed
package has it; with PYTHONDONTWRITEBYTECODE set, as on the development machines, the first compiles this
package's source at every start.

Then the answer time: one getAssistant request, sent over loopback by one keep-alive httpx client to
`assistants-contract replay` (from a cassette of that request) and to `assistants-contract serve` (which made
it), the two taking turns request by request; p50 and p99 of each and their ratio. Target: the replay's own
time well under 1 ms (it checks the request against the contract and looks up its answer).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from assistants_contract import Contract, Exchange, Headers, Request, Response
from assistants_contract.record.cassette import CassetteFile, interaction
from assistants_contract.record.redact import Redactor
from assistants_contract.replay.app import load_cassettes
from assistants_contract.replay.playback import Playback
from assistants_contract.server import create_app

CLI = Path(sys.executable).parent / "assistants-contract"
V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-bench-0000000000000000000000"}
CASSETTES = 20


def record(folder: Path, contract: Contract) -> int:
    exchanges: list[Exchange] = []
    with TestClient(create_app(contract=contract), base_url="http://testserver/v1", headers=V2) as http:

        def call(method: str, path: str, body: dict | None = None) -> httpx.Response:
            got = http.request(method, path, json=body)
            sent = got.request
            exchanges.append(
                Exchange(
                    Request(method, str(sent.url), Headers(sent.headers.multi_items()), sent.content or None),
                    Response(got.status_code, Headers(got.headers.multi_items()), got.content),
                )
            )
            return got

        for n in range(CASSETTES):
            assistant = call("POST", "/assistants", {"model": "gpt-4o", "name": f"bench {n}"}).json()["id"]
            thread = call("POST", "/threads", {}).json()["id"]
            call("POST", f"/threads/{thread}/messages", {"role": "user", "content": f"question {n}"})
            call("POST", f"/threads/{thread}/runs", {"assistant_id": assistant, "stream": True})
            run = call("POST", f"/threads/{thread}/runs", {"assistant_id": assistant}).json()["id"]
            while call("GET", f"/threads/{thread}/runs/{run}").json()["status"] not in ("completed", "failed"):
                pass
            call("GET", f"/threads/{thread}/messages")
            cassette = CassetteFile(folder / f"conversation-{n:02}.yaml")
            for exchange in exchanges:
                cassette.add(interaction(Redactor().exchange(exchange), origin="https://api.openai.com"))
            cassette.close()
            exchanges.clear()
    return sum(p.stat().st_size for p in folder.iterdir())


def start_once(folder: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(CLI), "replay", str(folder), "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        listening = time.perf_counter() - started
        url = line.split(" on ", 1)[1].split()[0]
        httpx.get(url + "/v1/assistants", headers=V2, timeout=10)
        answered = time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    return listening, answered


ROUNDS = 2000


def _launch(argv: list[str], wait_for: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(CLI), *argv], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if wait_for not in line:
        proc.kill()
        raise RuntimeError(f"{argv[0]} did not start: {line!r}")
    # replay logs a line a request: read them all, or the pipe fills and it stops answering
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, line


def answer_times(folder: Path, rounds: int) -> None:
    port = _free_port()
    serve, _ = _launch(["serve", "--port", str(port), "--seed", "1"], "server on")
    replay = None
    try:
        base = f"http://127.0.0.1:{port}/v1"
        _wait(base)
        with httpx.Client(headers=V2, timeout=10) as http:
            made = http.post(base + "/assistants", json={"model": "gpt-4o", "name": "bench"})
            path = f"/v1/assistants/{made.json()['id']}"
            got = http.get(f"http://127.0.0.1:{port}{path}")
            cassette = CassetteFile(folder / "get-assistant.yaml")
            sent = got.request
            exchange = Exchange(
                Request("GET", str(sent.url), Headers(sent.headers.multi_items()), None),
                Response(got.status_code, Headers(got.headers.multi_items()), got.content),
            )
            cassette.add(interaction(Redactor().exchange(exchange), origin="https://api.openai.com"))
            cassette.close()
            replay, line = _launch(["replay", str(folder / "get-assistant.yaml"), "--port", "0"], " on ")
            replay_url = line.split(" on ", 1)[1].split()[0].rstrip("/") + path
            serve_url = f"http://127.0.0.1:{port}{path}"
            times: dict[str, list[float]] = {"replay": [], "serve": []}
            for url in (replay_url, serve_url):  # warm both
                for _ in range(50):
                    assert http.get(url).status_code == 200
            for n in range(rounds):
                order = (
                    (("replay", replay_url), ("serve", serve_url))
                    if n % 2
                    else (("serve", serve_url), ("replay", replay_url))
                )
                for name, url in order:
                    t = time.perf_counter()
                    http.get(url)
                    times[name].append(time.perf_counter() - t)
        for name, values in times.items():
            q = statistics.quantiles(values, n=100)
            print(f"{name}: getAssistant over loopback p50 {q[49] * 1000:.3f} ms, p99 {q[98] * 1000:.3f} ms ({rounds})")
        r, s_ = (statistics.quantiles(times[k], n=100) for k in ("replay", "serve"))
        print(f"replay / serve: p50 {r[49] / s_[49]:.2f}x, p99 {r[98] / s_[98]:.2f}x")
    finally:
        for proc in (replay, serve):
            if proc is not None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(base: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/assistants", headers=V2, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("serve did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description="Start-up and answer time of the replay server; prints numbers.")
    parser.add_argument("--quick", action="store_true", help="the smallest size: a smoke run, its numbers mean nothing")
    quick = parser.parse_args().quick
    loads_of, starts, rounds = (1, 1, 50) if quick else (5, 3, ROUNDS)
    contract = Contract.load()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = record(folder, contract)
        loads = []
        for _ in range(loads_of):
            t = time.perf_counter()
            cassettes = load_cassettes([folder])
            playback = Playback(cassettes.exchanges)
            loads.append(time.perf_counter() - t)
        print(f"{CASSETTES} cassettes, {len(playback)} interactions, {size / 1024:.0f} KB")
        print(f"read + index: median {statistics.median(loads) * 1000:.0f} ms (of {loads_of})")
        runs = [start_once(folder) for _ in range(starts)]
        print(
            f"process start -> listening: median {statistics.median(r[0] for r in runs) * 1000:.0f} ms,"
            f" -> first answer: median {statistics.median(r[1] for r in runs) * 1000:.0f} ms (of {starts})"
        )
        with tempfile.TemporaryDirectory() as cache:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = cache
            start_once(folder, env)  # writes the cache
            runs = [start_once(folder, env) for _ in range(starts)]
        print(
            f"  bytecode cached: -> listening: median {statistics.median(r[0] for r in runs) * 1000:.0f} ms,"
            f" -> first answer: median {statistics.median(r[1] for r in runs) * 1000:.0f} ms (of {starts})"
        )
    with tempfile.TemporaryDirectory() as tmp:
        answer_times(Path(tmp), rounds)


if __name__ == "__main__":
    main()
