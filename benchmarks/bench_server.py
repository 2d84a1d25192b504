"""Speed of the reference server. Prints numbers; asserts nothing beyond every answer being a 200.

    .venv/bin/python benchmarks/bench_server.py [COUNT] [--quick]

For getAssistant and createAssistant (COUNT requests each, default 2,000, after a short warm-up) it prints
requests per second and p50 / p99 latency:
- in process: the Starlette app called directly through ASGI (no HTTP, no sockets), with and without the
  per-response contract self-check;
- over loopback: uvicorn in a thread on 127.0.0.1 and one keep-alive httpx.Client (client and server share
  this process and its GIL, so the latency includes the client's own work).
Target from the server issue: p50 <= 1 ms in process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import threading
import time
from collections.abc import Callable

import httpx
import uvicorn

from assistants_contract import Contract
from assistants_contract.server import create_app

HEADERS = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-bench", "Content-Type": "application/json"}
BODY = {
    "model": "gpt-4o",
    "name": "Bench",
    "instructions": "You are a helpful assistant.",
    "tools": [{"type": "code_interpreter"}, {"type": "function", "function": {"name": "lookup"}}],
    "metadata": {"run": "bench"},
}
WARMUP = 100


def report(label: str, latencies: list[float], wall: float) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"  {label:<44} {len(ordered) / wall:>9,.0f} req/s   p50 {p50:6.3f} ms   p99 {p99:6.3f} ms")


# --- in process: one ASGI call per request -------------------------------------------------------------------


async def asgi_call(app, method: str, path: str, body: bytes = b"") -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
        + [(b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def in_process(app, count: int) -> None:
    body = json.dumps(BODY).encode()
    for _ in range(WARMUP):
        await asgi_call(app, "POST", "/v1/assistants", body)
    assistant_id = next(iter(app.state.backend.store.assistants))
    cases: list[tuple[str, str, str, bytes]] = [
        ("getAssistant", "GET", f"/v1/assistants/{assistant_id}", b""),
        ("createAssistant", "POST", "/v1/assistants", body),
    ]
    for name, method, path, payload in cases:
        for _ in range(WARMUP):
            await asgi_call(app, method, path, payload)
        latencies = []
        began = time.perf_counter()
        for _ in range(count):
            t = time.perf_counter()
            status = await asgi_call(app, method, path, payload)
            latencies.append(time.perf_counter() - t)
            if status != 200:
                raise SystemExit(f"{name}: got {status}")
        report(name, latencies, time.perf_counter() - began)


# --- over loopback: uvicorn in a thread, one keep-alive client -----------------------------------------------


def serve(app) -> tuple[str, Callable[[], None]]:
    # IPPROTO_TCP so asyncio turns Nagle off on accepted connections (as it does when uvicorn binds itself).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}/v1", stop


def loopback(app, count: int) -> None:
    url, stop = serve(app)
    try:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=10) as client:
            assistant_id = client.post("/assistants", json=BODY).json()["id"]
            cases: list[tuple[str, Callable[[], httpx.Response]]] = [
                ("getAssistant", lambda: client.get(f"/assistants/{assistant_id}")),
                ("createAssistant", lambda: client.post("/assistants", json=BODY)),
            ]
            for name, call in cases:
                for _ in range(WARMUP):
                    call()
                latencies = []
                began = time.perf_counter()
                for _ in range(count):
                    t = time.perf_counter()
                    response = call()
                    latencies.append(time.perf_counter() - t)
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: got {response.status_code}")
                report(name, latencies, time.perf_counter() - began)
    finally:
        stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Speed of the reference server; prints numbers.")
    parser.add_argument("count", type=int, nargs="?", default=2000, help="requests per line")
    parser.add_argument("--quick", action="store_true", help="the smallest size: a smoke run, its numbers mean nothing")
    args = parser.parse_args()
    count = 20 if args.quick else args.count
    contract = Contract.load()
    print(f"reference server, {count} requests per line (after {WARMUP} warm-up)")
    for self_check in (False, True):
        print(f"in process (ASGI call), self_check={'on' if self_check else 'off'}:")
        asyncio.run(in_process(create_app("stateful", contract=contract, self_check=self_check), count))
    for self_check in (False, True):
        print(f"over loopback (uvicorn + httpx keep-alive), self_check={'on' if self_check else 'off'}:")
        loopback(create_app("stateful", contract=contract, self_check=self_check), count)


if __name__ == "__main__":
    main()
