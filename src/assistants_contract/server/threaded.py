"""An ASGI app under uvicorn in a daemon thread, on a free loopback port: what the pytest plugin's
`assistants_server` fixture and the test suites use to have a real server without a subprocess."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

__all__ = ["serve_in_thread"]


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    *,
    timeout: float = 15.0,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    server_headers: bool = True,
) -> Iterator[str]:
    """Serve `app` until the block ends; yield its root URL (`http://127.0.0.1:PORT`, `https://` with TLS).
    `server_headers=False` leaves out uvicorn's own `date` and `server` headers (a recording then does not
    change with the day it was made).

    The block starts once the app has answered a request, so the first request of a test never races the
    server's start. Raises RuntimeError if it does not answer within `timeout` seconds."""
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (else Nagle adds ~40 ms a request)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        date_header=server_headers,
        server_header=server_headers,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    tls = ssl_certfile is not None
    try:
        _wait_until_answering(server, thread, port, timeout, tls=tls)
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_until_answering(
    server: uvicorn.Server, thread: threading.Thread, port: int, timeout: float, *, tls: bool
) -> None:
    context = None
    if tls:  # the probe only asks whether the app answers; the certificate is the caller's business
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    # An undocumented path: the reference server answers 404 Invalid URL, and never self-checks it.
    probe = b"GET /_ready HTTP/1.1\r\nHost: 127.0.0.1\r\nOpenAI-Beta: assistants=v2\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the uvicorn thread died while starting")
        if server.started:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
                conn = context.wrap_socket(raw, server_hostname="127.0.0.1") if context else raw
                conn.sendall(probe)
                if conn.recv(64).startswith(b"HTTP/1.1 "):
                    return
        time.sleep(0.02)
    raise RuntimeError(f"the server on port {port} did not answer within {timeout} s")
