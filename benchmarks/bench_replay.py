"""Start-up of the replay server. Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_replay.py

Records 20 cassettes of a conversation each (assistant, thread, message, a streamed run, a polled run, the
message list) from the reference server in-process, then measures: reading and indexing them
(`load_cassettes` + `Playback`), and `assistants-contract replay` as a process, from its start to the line
saying it listens and to its first answer. Target from the replay issue: start-up with ~20 cassettes well under
1 s. The process figure includes what every command pays (the interpreter, the CLI's imports, compiling the
contract; see bench_core.py for the last), so the replay's own share is the first figure.
"""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import tempfile
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


def start_once(folder: Path) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen([str(CLI), "replay", str(folder), "--port", "0"], stdout=subprocess.PIPE, text=True)
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


def main() -> None:
    contract = Contract.load()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = record(folder, contract)
        loads = []
        for _ in range(5):
            t = time.perf_counter()
            cassettes = load_cassettes([folder])
            playback = Playback(cassettes.exchanges)
            loads.append(time.perf_counter() - t)
        print(f"{CASSETTES} cassettes, {len(playback)} interactions, {size / 1024:.0f} KB")
        print(f"read + index: median {statistics.median(loads) * 1000:.0f} ms (of 5)")
        runs = [start_once(folder) for _ in range(3)]
        print(
            f"process start -> listening: median {statistics.median(r[0] for r in runs) * 1000:.0f} ms,"
            f" -> first answer: median {statistics.median(r[1] for r in runs) * 1000:.0f} ms (of 3)"
        )


if __name__ == "__main__":
    main()
