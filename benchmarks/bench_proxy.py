"""Cost of the proxy. Prints numbers; asserts nothing beyond every answer having the expected status.

    .venv/bin/python benchmarks/bench_proxy.py [COUNT]

The reference server runs as its own process (`assistants-contract serve`), so client and server do not share
a GIL. For getAssistant and listMessages (limit=100, a thread holding 100 messages) it prints p50 / p99 per
request (COUNT each, default 300, after a warm-up) for:
- direct: the reference server;
- bare mitmdump: `mitmdump --mode reverse:URL` with no script;
- addon: `mitmdump -s proxy/assistants_contract_addon.py` recording a cassette and writing reports.
Then the time to the first SSE event of a streamed createThreadAndRun against a server started with
`--stream-delay 0.05`, direct vs through the addon.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADDON = ROOT / "proxy" / "assistants_contract_addon.py"
HEADERS = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-bench", "Content-Type": "application/json"}
WARMUP = 30
SSE_COUNT = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


@contextlib.contextmanager
def process(argv: list[str], port: int) -> Iterator[str]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server(stream_delay: float = 0.0) -> contextlib.AbstractContextManager[str]:
    port = free_port()
    argv = [str(BIN / "assistants-contract"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if stream_delay:
        argv += ["--stream-delay", str(stream_delay)]
    return process(argv, port)


def mitmdump(upstream: str, tmp: Path, addon: bool) -> contextlib.AbstractContextManager[str]:
    port = free_port()
    argv = [str(BIN / "mitmdump"), "-q", "--mode", f"reverse:{upstream}", "--listen-host", "127.0.0.1"]
    argv += ["-p", str(port), "--set", "connection_strategy=lazy", "--set", f"confdir={tmp / 'mitm'}"]
    if addon:
        argv += ["-s", str(ADDON), "--set", f"contract_record_dir={tmp / 'record'}"]
        argv += ["--set", f"contract_report_dir={tmp / 'report'}"]
    return process(argv, port)


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"p50 {statistics.median(ms):7.2f} ms   p99 {p99:7.2f} ms"


def timed(call: Callable[[], httpx.Response], count: int) -> list[float]:
    for _ in range(WARMUP):
        assert call().status_code == 200
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return samples


def setup(http: httpx.Client, base: str) -> tuple[str, str]:
    assistant = http.post(f"{base}/v1/assistants", json={"model": "gpt-4o", "name": "bench"}).json()["id"]
    thread = http.post(f"{base}/v1/threads", json={}).json()["id"]
    for i in range(100):
        r = http.post(f"{base}/v1/threads/{thread}/messages", json={"role": "user", "content": f"message {i}"})
        assert r.status_code == 200, r.text
    return assistant, thread


def first_event(http: httpx.Client, base: str, assistant: str) -> float:
    body = {"assistant_id": assistant, "stream": True, "thread": {"messages": [{"role": "user", "content": "hi"}]}}
    start = time.perf_counter()
    first = None
    with http.stream("POST", f"{base}/v1/threads/runs", json=body) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if first is None and line.startswith("event:"):
                first = time.perf_counter() - start
    assert first is not None
    return first


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    print(f"{count} requests each (after {WARMUP} warm-up); one keep-alive httpx.Client; server in its own process")
    with tempfile.TemporaryDirectory() as tmp, server() as upstream, httpx.Client(headers=HEADERS) as http:
        assistant, thread = setup(http, upstream)
        targets = {"direct": contextlib.nullcontext(upstream)}
        for name, use_addon in (("bare mitmdump", False), ("addon+rec+rep", True)):
            targets[name] = mitmdump(upstream, Path(tmp) / name.replace(" ", "_"), use_addon)
        for name, target in targets.items():
            with target as base, httpx.Client(headers=HEADERS) as client:
                get = timed(lambda: client.get(f"{base}/v1/assistants/{assistant}"), count)
                listed = timed(lambda: client.get(f"{base}/v1/threads/{thread}/messages?limit=100"), count)
                print(f"{name:>14}  getAssistant          {percentiles(get)}")
                print(f"{name:>14}  listMessages(100)     {percentiles(listed)}")

    print(f"\nSSE time to first event (server --stream-delay 0.05), {SSE_COUNT} streamed createThreadAndRun each")
    with tempfile.TemporaryDirectory() as tmp, server(0.05) as upstream, httpx.Client(headers=HEADERS) as http:
        assistant = http.post(f"{upstream}/v1/assistants", json={"model": "gpt-4o"}).json()["id"]
        for name, target in (
            ("direct", contextlib.nullcontext(upstream)),
            ("addon+rec+rep", mitmdump(upstream, Path(tmp), True)),
        ):
            with target as base, httpx.Client(headers=HEADERS, timeout=30) as client:
                first_event(client, base, assistant)
                samples = [first_event(client, base, assistant) for _ in range(SSE_COUNT)]
                print(f"{name:>14}  first SSE event       {percentiles(samples)}")


if __name__ == "__main__":
    main()
