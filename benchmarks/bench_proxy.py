"""Cost of the proxy. Prints numbers; asserts nothing beyond every answer having the expected status.

    .venv/bin/python benchmarks/bench_proxy.py [COUNT]

The reference server runs as its own process (`assistants-contract serve`), so client and server do not share
a GIL. Three ways to reach it run side by side:
- direct: the reference server;
- bare mitmdump: `mitmdump --mode reverse:URL` with no script;
- addon: `mitmdump -s proxy/assistants_contract_addon.py` checking, recording a cassette and writing reports.
For getAssistant and listMessages (limit=100, a thread holding 100 messages) it prints p50 / p99 per request,
COUNT each (default 300) after a warm-up. The requests take turns (one to each target, in rotating order), so
whatever else the machine does at a moment falls on all three alike: timed one after the other, the same bare
mitmdump measured 2.8 ms and 5.6 ms p50 here. Then the time to the first SSE event of a streamed
createThreadAndRun against a server started with `--stream-delay 0.05`, direct vs through the addon, also in
turns.
"""

from __future__ import annotations

import contextlib
import functools
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


def in_turns(calls: dict[str, Callable[[], float]], count: int, warmup: int = WARMUP) -> dict[str, list[float]]:
    """`count` samples (seconds, as each call measures) of each call, one of each in turn, the order rotating
    every round."""
    names = list(calls)
    for _ in range(warmup):
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(count):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            samples[name].append(calls[name]())
    return samples


def get(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.text
    return elapsed


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
    print(f"{count} requests each (after {WARMUP} warm-up), taking turns; one keep-alive httpx.Client per target")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        upstream = stack.enter_context(server())
        http = stack.enter_context(httpx.Client(headers=HEADERS))
        assistant, thread = setup(http, upstream)
        bases = {
            "direct": upstream,
            "bare mitmdump": stack.enter_context(mitmdump(upstream, tmp / "bare", addon=False)),
            "addon+rec+rep": stack.enter_context(mitmdump(upstream, tmp / "addon", addon=True)),
        }
        clients = {name: stack.enter_context(httpx.Client(headers=HEADERS)) for name in bases}
        for label, path in (
            ("getAssistant", f"/v1/assistants/{assistant}"),
            ("listMessages(100)", f"/v1/threads/{thread}/messages?limit=100"),
        ):
            calls = {name: functools.partial(get, clients[name], bases[name] + path) for name in bases}
            for name, samples in in_turns(calls, count).items():
                print(f"{name:>14}  {label:<20}  {percentiles(samples)}")

    print(f"\nSSE time to first event (server --stream-delay 0.05), {SSE_COUNT} streamed createThreadAndRun each")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        upstream = stack.enter_context(server(0.05))
        http = stack.enter_context(httpx.Client(headers=HEADERS, timeout=30))
        assistant = http.post(f"{upstream}/v1/assistants", json={"model": "gpt-4o"}).json()["id"]
        bases = {"direct": upstream, "addon+rec+rep": stack.enter_context(mitmdump(upstream, tmp, addon=True))}
        clients = {name: stack.enter_context(httpx.Client(headers=HEADERS, timeout=30)) for name in bases}
        calls = {name: functools.partial(first_event, clients[name], bases[name], assistant) for name in bases}
        for name, samples in in_turns(calls, SSE_COUNT, warmup=1).items():
            print(f"{name:>14}  first SSE event       {percentiles(samples)}")


if __name__ == "__main__":
    main()
