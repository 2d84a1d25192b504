"""Cost of the proxy. Prints numbers; asserts nothing beyond every answer having the expected status.

    .venv/bin/python benchmarks/bench_proxy.py [COUNT] [--quick]

The reference server runs as its own process (`assistants-contract serve`), so client and server do not share
a GIL. Three ways to reach it run side by side:
- direct: the reference server;
- bare mitmdump: `mitmdump --mode reverse:URL` with no script;
- addon: `mitmdump -s .../proxy/mitmdump_addon.py` checking, recording a cassette and writing reports.
For getAssistant and listMessages (limit=100, a thread holding 100 messages) it prints p50 / p99 per request,
COUNT each (default 300) after a warm-up. The requests take turns (one to each target, in rotating order), so
whatever else the machine does at a moment falls on all three alike: timed one after the other, the same bare
mitmdump measured 2.8 ms and 5.6 ms p50 here. Then the time to the first SSE event of a streamed
createThreadAndRun against a server started with `--stream-delay 0.05`, direct vs through the addon, also in
turns.

    .venv/bin/python benchmarks/bench_proxy.py --load [--rounds N]

Under load (also part of the full run): 30 concurrent clients, each a thread with its own keep-alive
httpx.Client per target. A round is 300 getAssistant requests, 10 per client, all to one target; the rounds
take turns between the targets (the order rotating), N rounds each (default 8) after a warm-up round. It prints
requests/s (300 over the round's wall time), p50/p99 and the CPU time a request of the process serving the
target (read from /proc; the addon's checking worker, its child, shown on its own) per target, and the addon's
throughput and p50 as ratios of bare mitmdump's in the same cycle of rounds: the median over cycles, and their
range.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADDON = ROOT / "src" / "assistants_contract" / "proxy" / "mitmdump_addon.py"
# The key is made at run time: no key-shaped string in the repository.
HEADERS = {
    "OpenAI-Beta": "assistants=v2",
    "Authorization": f"Bearer sk-{secrets.token_hex(16)}",
    "Content-Type": "application/json",
}
WARMUP = 30
SSE_COUNT = 20
LOAD_CLIENTS = 30
LOAD_ROUND = 300  # requests a round, spread evenly over the clients
PIDS: dict[str, int] = {}  # base URL -> the process that serves it, for its CPU time
_TICK = os.sysconf("SC_CLK_TCK")


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
        base = f"http://127.0.0.1:{port}"
        PIDS[base] = proc.pid
        yield base
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


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) so far of a process, and of its children alive now (the addon's worker)."""

    def own(p: int) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _TICK

    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):  # a child belongs to the thread that made it
        with contextlib.suppress(OSError):
            children += [int(c) for c in task.read_text().split()]
    return own(pid), sum(own(c) for c in children)


@dataclass
class LoadRound:
    seconds: float  # wall time of the whole round
    latencies: list[float]
    failed: int  # answers that were not 200
    cpu: tuple[float, float] = (0.0, 0.0)  # CPU seconds of the serving process and of its children, this round


def load_round(
    pool: ThreadPoolExecutor, clients: list[httpx.Client], url: str, size: int, pid: int | None = None
) -> LoadRound:
    """`size` requests to `url`, each client sending its share one after the other, all clients at once.

    A failed answer is counted, not raised: the reference server (uvicorn) closes a keep-alive connection after
    5 s idle, and a mitmdump that reuses one just then answers 502, bare or with the addon alike; a client that
    reuses one itself (direct) gets no answer at all."""
    share = size // len(clients)

    def run(client: httpx.Client) -> list[tuple[float, bool]]:
        timed = []
        for _ in range(share):
            start = time.perf_counter()
            try:
                ok = client.get(url).status_code == 200
            except httpx.TransportError:
                ok = False
            timed.append((time.perf_counter() - start, ok))
        return timed

    before = cpu_seconds(pid) if pid else (0.0, 0.0)
    start = time.perf_counter()
    timed = [t for part in pool.map(run, clients) for t in part]
    seconds = time.perf_counter() - start
    after = cpu_seconds(pid) if pid else (0.0, 0.0)
    cpu = (after[0] - before[0], after[1] - before[1])
    return LoadRound(seconds, [t for t, _ in timed], sum(not ok for _, ok in timed), cpu)


def under_load(bases: dict[str, str], assistant: str, rounds: int, size: int = LOAD_ROUND) -> None:
    url = {name: f"{base}/v1/assistants/{assistant}" for name, base in bases.items()}
    names = list(bases)
    print(
        f"\nUnder load: {LOAD_CLIENTS} concurrent keep-alive clients, {size} getAssistant requests a round,"
        f" rounds taking turns, {rounds} each (after a warm-up round)"
    )
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        clients = {
            name: [stack.enter_context(httpx.Client(headers=HEADERS, timeout=60)) for _ in range(LOAD_CLIENTS)]
            for name in names
        }
        for name in names:
            load_round(pool, clients[name], url[name], size)  # opens every connection
        results: dict[str, list[LoadRound]] = {name: [] for name in names}
        for i in range(rounds):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                results[name].append(load_round(pool, clients[name], url[name], size, PIDS.get(bases[name])))
    for name in names:
        rates = [size / r.seconds for r in results[name]]
        latencies = [t for r in results[name] for t in r.latencies]
        failed = sum(r.failed for r in results[name])
        note = f"   {failed} answers not 200" if failed else ""
        count = size * len(results[name])
        cpu = f"cpu {sum(r.cpu[0] for r in results[name]) * 1000 / count:.2f} ms/req"
        if any(r.cpu[1] for r in results[name]):
            cpu += f" + worker {sum(r.cpu[1] for r in results[name]) * 1000 / count:.2f}"
        print(
            f"{name:>14}  {statistics.median(rates):7.0f} req/s (median of rounds)   {percentiles(latencies)}"
            f"   {cpu}{note}"
        )
    bare, addon = results["bare mitmdump"], results["addon+rec+rep"]
    throughput = [b.seconds / a.seconds for a, b in zip(addon, bare, strict=True)]
    p50 = [statistics.median(a.latencies) / statistics.median(b.latencies) for a, b in zip(addon, bare, strict=True)]
    for label, ratios in (("throughput", throughput), ("p50", p50)):
        print(
            f"addon/bare {label:<10}  {statistics.median(ratios):.2f}x median"
            f"   ({min(ratios):.2f}-{max(ratios):.2f}x over {len(ratios)} cycles)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Cost of the proxy; prints numbers.")
    parser.add_argument("count", type=int, nargs="?", default=300, help="requests per target and operation")
    parser.add_argument("--load", action="store_true", help="only the case under load")
    parser.add_argument("--rounds", type=int, default=8, help="rounds per target under load")
    parser.add_argument("--quick", action="store_true", help="the smallest size: a smoke run, its numbers mean nothing")
    args = parser.parse_args()
    # --quick: a few requests, one round of a request a client, two streams.
    count, warmup, sse_count = (5, 2, 2) if args.quick else (args.count, WARMUP, SSE_COUNT)
    rounds, round_size = (1, LOAD_CLIENTS) if args.quick else (args.rounds, LOAD_ROUND)
    if not args.load:
        print(f"{count} requests each (after {warmup} warm-up), taking turns; one keep-alive httpx.Client per target")
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
        if args.load:
            under_load(bases, assistant, rounds, round_size)
            return
        clients = {name: stack.enter_context(httpx.Client(headers=HEADERS)) for name in bases}
        for label, path in (
            ("getAssistant", f"/v1/assistants/{assistant}"),
            ("listMessages(100)", f"/v1/threads/{thread}/messages?limit=100"),
        ):
            calls = {name: functools.partial(get, clients[name], bases[name] + path) for name in bases}
            for name, samples in in_turns(calls, count, warmup).items():
                print(f"{name:>14}  {label:<20}  {percentiles(samples)}")
        under_load(bases, assistant, rounds, round_size)

    print(f"\nSSE time to first event (server --stream-delay 0.05), {sse_count} streamed createThreadAndRun each")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        upstream = stack.enter_context(server(0.05))
        http = stack.enter_context(httpx.Client(headers=HEADERS, timeout=30))
        assistant = http.post(f"{upstream}/v1/assistants", json={"model": "gpt-4o"}).json()["id"]
        bases = {"direct": upstream, "addon+rec+rep": stack.enter_context(mitmdump(upstream, tmp, addon=True))}
        clients = {name: stack.enter_context(httpx.Client(headers=HEADERS, timeout=30)) for name in bases}
        calls = {name: functools.partial(first_event, clients[name], bases[name], assistant) for name in bases}
        for name, samples in in_turns(calls, sse_count, warmup=1).items():
            print(f"{name:>14}  first SSE event       {percentiles(samples)}")


if __name__ == "__main__":
    main()
